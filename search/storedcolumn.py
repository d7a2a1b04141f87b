"""A segment's stored fields: each document's pickle compressed with zstd and a dictionary trained on the segment.

Whoosh's ``_stored`` column compresses each document's pickle on its own with zlib, so every value pays again for
what all values share (field names, pickle opcodes, id and date patterns). Here a writer keeps the segment's first
values (up to SAMPLE_BYTES of pickles), trains a zstd dictionary on them, then compresses those and every later
value with it, one zstd frame per document as before, so reading a document stays a slice and a decompression.
At 10,000 IAC documents (15.3 MB of pickles) Whoosh's column took 0.42 CPU s to write 8.9 MB; this one takes
0.17 s (pickling 0.04, training 0.03, compressing 0.08) to write 5.3 MB, and its values decompress in 0.04 s
where zlib's took 0.10.

The file is Whoosh's variable-bytes column (values, then their lengths; ``VarBytesColumn``) after a header:
MAGIC, the dictionary's length and the dictionary (none when a segment has too few values to train on: a one-file
reindex writes a handful). A column written before has no header and zlib values; MAGIC's first byte can never
start a zlib stream (whose low four bits are 8, deflate) nor the lengths of a column with no values (zeros), so
such a column is told apart and read as before.
"""

from __future__ import annotations

import pickle
import struct
import threading
import zlib
from collections.abc import Callable
from typing import Any

import zstandard
from whoosh.columns import Column, ColumnWriter, VarBytesColumn

MAGIC = b"Zsd\x01"
_HEADER = struct.Struct("<4sI")  # MAGIC, then the dictionary's length in bytes (0: none)
PICKLE_PROTOCOL = 5  # Whoosh pickles with protocol 2, whose dates go through codecs.encode: 8% more bytes, slower
ZSTD_LEVEL = 3  # levels 2 and 4 gave 5% larger values at 10,000 documents, level 5 took twice the time
# Pickles kept to train on (some 750 IAC documents). At 10,000 documents, 0.5, 1, 2 and 4 MB wrote the column in
# 0.154, 0.165, 0.183 and 0.200 CPU s (training is most of the difference) to 5.48, 5.31, 5.21 and 5.15 MB.
SAMPLE_BYTES = 1024 * 1024
# Below this, values are compressed without a dictionary. The first 16, 33, 66 and 128 KB of IAC pickles took
# 10.7, 21.7, 42.0 and 81.3 KB without; with a dictionary (counted in) 5.9, 11.6, 23.8 and 47.0 KB, for 6-11 ms
# of training, which a one-file reindex of a few documents need not pay.
MIN_SAMPLE_BYTES = 32 * 1024
# At most; a sixteenth of a smaller sample, as smaller samples gave smaller best sizes. With 1 MB of sample,
# 16, 32, 64 and 112 KB wrote 10,000 documents' column to 5.56, 5.42, 5.31 and 5.31 MB in about the same time.
DICTIONARY_BYTES = 64 * 1024
# zstd's cover parameters, as its own search picked them on IAC documents: searching costs four times the training.
_COVER_SEGMENT, _COVER_DMER = 1000, 8


class StoredColumn(Column):
    """Whoosh column type of the ``_stored`` column: pickles values (dicts of stored fields), reads back both
    formats (see the module note)."""

    def writer(self, dbfile: Any) -> StoredColumnWriter:
        return StoredColumnWriter(dbfile)

    def reader(self, dbfile: Any, basepos: int, length: int, doccount: int) -> StoredColumnReader:
        return StoredColumnReader(dbfile, basepos, length, doccount)


STORED_COLUMN = StoredColumn()


class StoredColumnWriter(ColumnWriter):
    """Keeps the first values until SAMPLE_BYTES (or the segment's end), then writes the header and compresses
    every value as it comes."""

    def __init__(self, dbfile: Any) -> None:
        super().__init__(dbfile)
        self._values = VarBytesColumn.Writer(dbfile)
        self._sample: list[tuple[int, bytes]] = []
        self._sample_bytes = 0
        self._compress: Callable[[bytes], bytes] | None = None

    def add(self, docnum: int, value: Any) -> None:
        if value is None:  # no stored fields: an empty value, as Whoosh's pickle column writes
            return
        data = pickle.dumps(value, PICKLE_PROTOCOL)
        if self._compress is not None:
            self._values.add(docnum, self._compress(data))
            return
        self._sample.append((docnum, data))
        self._sample_bytes += len(data)
        if self._sample_bytes >= SAMPLE_BYTES:
            self._start_values()

    def finish(self, doccount: int) -> None:
        if self._compress is None:
            self._start_values()
        self._values.finish(doccount)

    def _start_values(self) -> None:
        dictionary = trained_dictionary([data for _, data in self._sample])
        self._dbfile.write(_HEADER.pack(MAGIC, len(dictionary)) + dictionary)
        compressor = zstandard.ZstdCompressor(
            level=ZSTD_LEVEL, dict_data=zstandard.ZstdCompressionDict(dictionary) if dictionary else None,
            write_checksum=False, write_dict_id=False)
        self._compress = compressor.compress
        for docnum, data in self._sample:
            self._values.add(docnum, self._compress(data))
        self._sample = []


def trained_dictionary(samples: list[bytes]) -> bytes:
    """A zstd dictionary for values like ``samples``; empty when they are too few to train on."""
    total = sum(map(len, samples))
    if total < MIN_SAMPLE_BYTES:
        return b""
    try:
        return zstandard.train_dictionary(min(DICTIONARY_BYTES, total // 16), samples, k=_COVER_SEGMENT,
                                          d=_COVER_DMER).as_bytes()
    except zstandard.ZstdError:  # too few values for zstd to train on (a handful of long documents): none
        return b""


class StoredColumnReader(VarBytesColumn.Reader):
    """Each document's stored fields (a dict, or None for a document without), from either format.

    ``_basepos``, ``_offsets`` and ``_lengths`` are Whoosh's: where the values start in the file, and each
    document's place and size among them (``search.results`` slices them from a memory map); ``decompress`` may be
    called from any thread (zstd's decompressors may not be shared: each thread gets its own).
    """

    def __init__(self, dbfile: Any, basepos: int, length: int, doccount: int) -> None:
        magic, dictionary_length = _HEADER.unpack(dbfile.get(basepos, _HEADER.size)) if length >= _HEADER.size \
            else (b"", 0)
        zstd = magic == MAGIC
        start = _HEADER.size + dictionary_length if zstd else 0
        super().__init__(dbfile, basepos + start, length - start, doccount)
        self._dictionary = (zstandard.ZstdCompressionDict(dbfile.get(basepos + _HEADER.size, dictionary_length))
                            if zstd and dictionary_length else None)
        self._local = threading.local()
        self.decompress: Callable[[bytes], bytes] = self._zstd_decompress if zstd else zlib.decompress

    def _zstd_decompress(self, data: bytes) -> bytes:
        decompressor = getattr(self._local, "decompressor", None)
        if decompressor is None:
            decompressor = self._local.decompressor = zstandard.ZstdDecompressor(dict_data=self._dictionary)
        return decompressor.decompress(data)

    def __getitem__(self, docnum: int) -> dict[str, Any] | None:
        data = super().__getitem__(docnum)
        return pickle.loads(self.decompress(data)) if data else None

    def __iter__(self) -> Any:
        for data in super().__iter__():
            yield pickle.loads(self.decompress(data)) if data else None

    def load(self) -> list[dict[str, Any] | None]:
        return list(self)
