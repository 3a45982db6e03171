"""Everything written for a person or a pipe: the output package (it sends nothing).

* :mod:`.redact`: secrets out of text (signatures, tokens, the secret key);
* :mod:`.stderr`: the stderr writer honouring ``-s``/``-S``;
* :mod:`.verbose`: ``-v`` lines, ``-i`` head blocks, ``--debug-signature``;
* :mod:`.body`: the response body's shape (event stream, SSE, JSON lines or
  a document), raw or pretty (:mod:`.pretty`);
* :mod:`.stream`: an AWS event stream written live (NDJSON, the terminal
  view of :mod:`.events`, ``--raw`` frames) and its in-band errors;
* :mod:`.diagnose`: AWS error lines and the signature-mismatch diff;
* :mod:`.writeout`: ``-w`` formatting;
* :mod:`.sink`: where a body goes (stdout, ``-o``, ``-O``);
* :mod:`.progress`, :mod:`.parallel`: progress meters and ``--parallel`` output.

Nothing here imports requests or the transport; rich only when drawing progress.
"""
