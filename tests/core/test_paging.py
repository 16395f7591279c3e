"""Page tokens: the one format every service issues and checks."""

import pytest

from mlledger import errors
from mlledger.services.core import paging


def test_offset_tokens_round_trip():
    """An offset token reads back as its offset; an empty token is the first page."""
    assert paging.read_offset(paging.offset_token(40)) == 40
    assert paging.read_offset("") == 0


def test_keyset_tokens_round_trip():
    """An 'after' token reads back as its key, whatever characters the key holds."""
    assert paging.read_after(paging.after_token("dir/ünï code.txt")) == "dir/ünï code.txt"
    assert paging.read_after("") == ""


@pytest.mark.parametrize("token", ["bm90IGpzb24", "%%%", paging.after_token("x"), paging.offset_token(-1) ,
                                   "eyJvZmZzZXQiOnRydWV9"])
def test_foreign_tokens_are_refused_naming_the_field(token):
    """Garbage, a token of the other kind, a negative or boolean offset: INVALID_ARGUMENT on the field."""
    with pytest.raises(errors.InvalidArgument) as caught:
        paging.read_offset(token, "page_token")
    assert caught.value.field == "page_token"
