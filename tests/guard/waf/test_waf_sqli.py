"""The SQL tokenizer and the shapes it judges, read in the three contexts an app may splice into."""

from __future__ import annotations

import pytest

from fnguard.guard.waf.sqli import detect, fingerprint, tokenize


def fp(text: str, quote: str = "") -> str:
    return fingerprint(tokenize(text.lower(), quote))


def test_token_types() -> None:
    assert fp("1 union select a, b from t where x = 'y' -- c") == "nUSb,bkbkb=sc"
    assert fp("@@version") == "v" and fp("sleep(5)") == "f(n)" and fp("0x41 or 1e3") == "n&n"


def test_quote_context_starts_with_the_closed_string() -> None:
    assert fp("admin' or '1'='1", "'") == "s&s=s"
    assert tokenize("admin' --", "'")[0].text == "admin"


def test_mysql_executable_comments_are_code() -> None:
    assert "U" in fp("1 /*!50000union*/ /*!select*/ 1")


@pytest.mark.parametrize("payload", [
    "1' or '1'='1", "admin'--", "1 or 1=1", "1) or pg_sleep(5)--", "' union all select null,null--",
    "1; exec xp_cmdshell 'dir'", "aa' / current_date != '1", "x' and 1=(select count(*) from users)--",
    "-1 union select 1,@@version", "' or ''='", "1 and ascii(substring(version(),1,1))>51",
])
def test_injections(payload: str) -> None:
    assert detect(payload.lower()) is not None, payload


@pytest.mark.parametrize("text", [
    "o'reilly", "bob's or alice's", "35% cotton and 65% polyester", "select x from y where", "1950 or 1960",
    "it's 5 o'clock", '"on the way"', "drop me a line; i'll be there", "rock 'n' roll", "1#qnan",
    "order by date", "union insert where order table", "while (foo) is bar.",
])
def test_english_is_not_sql(text: str) -> None:
    assert detect(text) is None, text
