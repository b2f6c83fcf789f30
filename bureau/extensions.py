"""Flask extensions, created unbound and initialised in the app factory."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
