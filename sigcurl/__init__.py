"""sigcurl: curl for AWS-signed HTTP."""
