"""An ``aws login`` token whose ``signInRegion`` is not a region is refused before any call.

The region becomes the sign-in service's host name
(``https://REGION.signin.aws.amazon.com``); a cache file naming anything
else (a host, a path) must not send the refresh token elsewhere.  The fake
sign-in service of the login tests records that no call came.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from credentials_fixtures import AwsHome
from test_credentials_login import CONFIG, NOW, cache_dir, resolve, write_token

from sigcurl.errors import CredentialSourceError


@pytest.mark.parametrize("region", ["evil.example.com/x", "us-east-1.attacker.test", "US-EAST-1", "us east 1", "-1"])
def test_a_sign_in_region_that_is_not_a_region_is_refused(aws_home: AwsHome, region: str) -> None:
    aws_home.write(config=CONFIG)
    write_token(cache_dir(aws_home), NOW - timedelta(minutes=1), signInRegion=region)
    with pytest.raises(CredentialSourceError) as info:
        resolve(aws_home)
    assert info.value.exit_code == 92
    assert str(info.value) == (f"sigcurl: the aws login session of profile p names the sign-in region {region!r}, which is "
                               "not a region — run aws login --profile p again")


def test_every_region_botocore_knows_is_taken() -> None:
    from botocore.loaders import create_loader

    from sigcurl.credentials.login import _REGION

    partitions = create_loader().load_data("endpoints")["partitions"]
    regions = [name for partition in partitions for name in partition["regions"]]
    assert len(regions) > 30
    assert [r for r in regions if not _REGION.fullmatch(r)] == []
