from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from ..web.forms import Form


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Email wajib diisi.")), Length(max=254)])
    password = PasswordField(
        _l("Kata sandi"), validators=[DataRequired(_l("Kata sandi wajib diisi.")), Length(max=200)]
    )


class LogoutForm(Form):
    """An empty form: logging out is a POST with a CSRF token."""
