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
    """An admin places an account anywhere: the region is typed, by name or code (a list of every desa would not
    fit), and found with the search beside it."""

    region = StringField(_l("Wilayah: nama atau kode (kosong untuk admin)"), validators=[Optional(), Length(max=100)])


class PasswordForm(Form):
    current = PasswordField(_l("Kata sandi sekarang"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(), Length(max=200)])
    repeat = PasswordField(_l("Ulangi kata sandi baru"), validators=[DataRequired(), Length(max=200)])
