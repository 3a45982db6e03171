"""Amazon S3 specifics beyond signing: multipart uploads and ``s3://`` URLs.

* :mod:`sigcurl.s3.plan` - S3's multipart limits and the part sizes (pure, tested as tables);
* :mod:`sigcurl.s3.xml` - the bounded reading and writing of the multipart calls' XML;
* :mod:`sigcurl.s3.parts` - the parts of one upload read from a file, memory or a stream;
* :mod:`sigcurl.s3.multipart` - the upload: CreateMultipartUpload, UploadPart (in parallel,
  each through the transport), CompleteMultipartUpload, AbortMultipartUpload on any failure;
* :mod:`sigcurl.s3.urls` - ``s3://BUCKET/KEY`` as the HTTPS URL the SDKs use (pure).
"""
