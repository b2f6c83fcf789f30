"""Every model module of the application, imported in one place for Alembic and the audit log."""
from bureau.accounts.models import ApiToken, LoginFailure, User  # noqa: F401
from bureau.audit.models import AuditEntry  # noqa: F401
from bureau.calendar.models import CalendarDay  # noqa: F401
from bureau.certificates.models import Certificate, CertificateBatch, CertificateBatchChunk  # noqa: F401
from bureau.dashboard.models import Budget, QuotaContest, Target  # noqa: F401
from bureau.forms import FormSubmission  # noqa: F401
from bureau.scheduler.models import JobFailure, JobRun, JobSetting, Notification  # noqa: F401
from competition.models import Award, Competition, Objection, PublicNotice, Result, ResultUpload  # noqa: F401
from studios.models import AnnualReport, Assessment, AssessmentResult, ReportAttachment, ReportWindow, Studio  # noqa: F401
