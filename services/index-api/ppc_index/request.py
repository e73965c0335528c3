"""The request class: uploads stream to a hashing spool file on disk."""

from __future__ import annotations

from flask import Request

from ppc_shared.hashing import HashingSpoolFile


class IndexRequest(Request):
    # Non-file form fields are small; a large one is a malformed or hostile request.
    max_form_memory_size = 1 << 20

    def _get_file_stream(self, total_content_length, content_type, filename=None,
                         content_length=None):
        # Every file part is written to disk as it arrives, hashed on the way: memory
        # does not grow with the file, and the digests are ready when the body ends.
        return HashingSpoolFile()
