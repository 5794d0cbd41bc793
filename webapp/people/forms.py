from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..web.forms import Form


class AccountForm(Form):
    name = StringField(_l("Nama"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Peran"), validators=[DataRequired()])
    region = SelectField(_l("Wilayah"), validators=[Optional()])
    agency = SelectField(_l("Instansi (untuk petugas instansi)"), validators=[Optional()])
    phone = StringField(_l("Nomor HP (opsional)"), validators=[Optional(), Length(max=40)])


class AdminAccountForm(AccountForm):
    """An admin places an account anywhere: the region's code is typed (a list of every desa would not fit)."""

    region = StringField(
        _l("Kode wilayah (kosong untuk admin), misalnya 35.14.19"), validators=[Optional(), Length(max=13)]
    )


class PasswordForm(Form):
    current = PasswordField(_l("Kata sandi sekarang"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(), Length(max=200)])
    repeat = PasswordField(_l("Ulangi kata sandi baru"), validators=[DataRequired(), Length(max=200)])
