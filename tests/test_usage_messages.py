"""Messages read as written: redacting secret option values never mangles sigcurl's own words; hints found for the names services use."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import base_env, run

from support.hostile import HostileServer, reply


def test_user_without_aws_sigv4_is_one_clear_line_without_the_secret(tmp_path: Path) -> None:
    result = run(["-u", "AKIDEXAMPLE:notreallysecret", "http://127.0.0.1:9/x"], base_env(tmp_path))
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("sigcurl: -u/--user without --aws-sigv4") and "or drop -u to use your AWS credentials" in line
    assert "notreallysecret" not in result.stderr


def test_user_values_in_a_message_are_still_redacted(tmp_path: Path) -> None:
    result = run(["--aws-sigv4", "aws:amz", "--user=AKIDEXAMPLE:notreallysecret", "--profile", "p", "http://127.0.0.1:9/x"],
                 base_env(tmp_path))
    assert result.exit_code == 2 and "notreallysecret" not in result.stderr


def test_bedrocks_lower_camel_case_throttling_gets_the_throttling_hint() -> None:
    from sigcurl.output.stream import in_stream_error

    line = in_stream_error("throttlingException", "Too many tokens").line()
    assert "throttlingException: Too many tokens" in line and "retry later" in line


def test_an_aws_error_without_f_is_one_line_with_a_fix(hostile: HostileServer, tmp_path: Path) -> None:
    for status, code in ((404, "NoSuchThing"), (503, "SomethingElse")):
        hostile.queue(reply(status, f"<Error><Code>{code}</Code><Message>no</Message></Error>".encode(),
                            content_type="application/xml"))
        result = run(["--service", "execute-api", "--region", "us-east-1", hostile.url_for("/k")], base_env(tmp_path))
        assert result.exit_code == 0
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(f"sigcurl: HTTP {status} from 127.0.0.1") and f"{code}: no — " in line, line


def test_whoami_without_a_region_says_what_signing_assumes(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(name, None)
    result = run(["--whoami"], env)
    assert result.exit_code == 0, result.stderr
    line = next(x for x in result.stdout.decode().splitlines() if x.startswith("region:"))
    assert "us-east-1" in line and "--region" in line


def test_a_bad_retry_setting_is_named_where_it_was_written(tmp_path: Path) -> None:
    result = run(["--service", "s3", "--region", "us-east-1", "http://127.0.0.1:9/k"],
                 {**base_env(tmp_path), "AWS_RETRY_MODE": "bogus", "AWS_MAX_ATTEMPTS": "3"})
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("sigcurl: AWS_RETRY_MODE 'bogus' is not legacy, standard or adaptive — "), line


def test_a_section_header_without_its_bracket_is_named(tmp_path: Path) -> None:
    for text, lineno in (("[profile p\nregion = eu-west-1\n", 1), ("[default]\nregion = eu-west-1\n[profile p\n", 3)):
        (tmp_path / "config").write_text(text)
        env = {**base_env(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "config"), "AWS_ACCESS_KEY_ID": "",
               "AWS_SECRET_ACCESS_KEY": ""}
        result = run(["--profile", "p", "--sign-only", "https://sts.us-east-1.amazonaws.com/"], env)
        assert result.exit_code == 92, result.stderr
        assert f"a [section] header without its closing ], line {lineno}" in result.stderr, result.stderr
