import pytest

from sms.phone import InvalidPhone, mask_phone, normalize_phone


@pytest.mark.parametrize(
    "raw",
    [
        "081234567890",
        "6281234567890",
        "+6281234567890",
        "+62 812-3456-7890",
        "0812.3456.7890",
        "whatsapp:+6281234567890",
        "WhatsApp: +62 812 3456 7890",
        " 0812 3456 7890 ",
    ],
)
def test_indonesian_mobile_forms_become_e164(raw):
    assert normalize_phone(raw) == "+6281234567890"


def test_landlines_and_foreign_numbers_keep_their_country():
    assert normalize_phone("(0343) 612345") == "+62343612345"
    assert normalize_phone("+1 415 555 0123") == "+14155550123"


@pytest.mark.parametrize("raw", ["", "abc", "12", "0812", "+62 000 0000 0000", "halo 0812345678901234567", None])
def test_what_is_not_a_phone_number_is_rejected(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_masking_hides_the_middle():
    assert mask_phone("+6281234567890") == "+62812****7890"
    assert mask_phone(None) == ""
