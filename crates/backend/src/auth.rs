//! Who is calling, and the one place where a caller's permission is checked.

use shared::dto::{Me, PendingStep};
use shared::{Action, Role, Scope};

use crate::error::{Error, Result};

/// An authenticated operator (a "Dashboard user", a "Support User" in the API).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// When the operator calls through an OAuth2 token, the scopes granted to that token
    /// (a subset of the role's); `None` in a dashboard session.
    pub token_scopes: Option<Vec<Scope>>,
    /// A step to take before anything else (the two-factor code, their own password,
    /// two-factor enrolment): until then the operator holds no scope.
    pub pending: Option<PendingStep>,
}

impl Operator {
    /// Refuses while a step that comes before `step` is still to take (the order of
    /// `PendingStep`): the password is changed only once the code was given, two-factor
    /// authentication is set up only once the password is the operator's own.
    pub fn require_reached(&self, step: PendingStep) -> Result<()> {
        match self.pending {
            Some(pending) if pending < step => Err(Error::Forbidden(pending_refusal(pending))),
            _ => Ok(()),
        }
    }

    /// The operator as the browser sees them.
    pub fn me(&self) -> Me {
        Me { id: self.id, username: self.username.clone(), role: self.role, pending: self.pending }
    }
}

/// The first step an operator must take, if any: the code of a two-factor login
/// (`code_pending`), their own password (`password_temporary`), two-factor enrolment
/// (their role requires it and they have none).
pub(crate) fn first_pending_step(
    code_pending: bool,
    password_temporary: bool,
    must_enrol: bool,
) -> Option<PendingStep> {
    [
        (code_pending, PendingStep::EnterCode),
        (password_temporary, PendingStep::ChangePassword),
        (must_enrol, PendingStep::EnrolTwoFactor),
    ]
    .into_iter()
    .find_map(|(due, step)| due.then_some(step))
}

/// Why an operator with a step pending can do nothing else yet.
pub fn pending_refusal(step: PendingStep) -> &'static str {
    match step {
        PendingStep::EnterCode => ENTER_CODE_FIRST,
        PendingStep::ChangePassword => MUST_CHANGE_PASSWORD,
        PendingStep::EnrolTwoFactor => MUST_ENROL_TWO_FACTOR,
    }
}

/// A machine client of the REST API (OAuth2 client credentials).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiClient {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    /// The scopes of the token in use.
    pub scopes: Vec<Scope>,
}

/// Why an operator whose password is temporary can do nothing yet.
pub const MUST_CHANGE_PASSWORD: &str = "Your password was set by someone else: choose your own first.";

/// Why a login waiting for its two-factor code can do nothing yet.
pub const ENTER_CODE_FIRST: &str = "Enter the code from your authenticator app first.";

/// Why an operator whose role requires two-factor authentication can do nothing yet.
pub const MUST_ENROL_TWO_FACTOR: &str = "Your role requires two-factor authentication: set it up first.";

/// Why an operator with a scope the caller does not hold is out of its reach.
pub const GRANT_REFUSAL: &str = "You cannot grant, or manage an operator holding, a scope you do not hold yourself.";

/// Whoever asks the backend to do something.
#[derive(Clone, Debug)]
pub enum Actor {
    Operator(Operator),
    ApiClient(ApiClient),
    /// The server's own command line, run by whoever holds the machine: trusted.
    System,
    /// Nobody logged in yet (login attempts, sign-ups).
    Anonymous,
    /// An end user acting on its own account through a public page (onboarding, password
    /// reset); it holds no scope.
    EndUser {
        account_id: i64,
        email: String,
    },
}

impl Actor {
    pub fn has_scope(&self, scope: Scope) -> bool {
        match self {
            Actor::System => true,
            Actor::Operator(op) => {
                op.pending.is_none()
                    && op.role.has_scope(scope)
                    && op.token_scopes.as_ref().is_none_or(|granted| granted.contains(&scope))
            }
            Actor::ApiClient(client) => client.scopes.contains(&scope),
            Actor::Anonymous | Actor::EndUser { .. } => false,
        }
    }

    /// Refuses unless the caller may take `action`.
    pub fn require(&self, action: Action) -> Result<()> {
        self.require_scope(action.required_scope())
    }

    /// Refuses unless the caller holds `scope`. Prefer `require(action)`: this is for the
    /// few REST endpoints whose scope in the spec differs from the dashboard action's.
    pub fn require_scope(&self, scope: Scope) -> Result<()> {
        match self {
            Actor::Anonymous => Err(Error::Unauthenticated),
            Actor::Operator(Operator { pending: Some(step), .. }) => Err(Error::Forbidden(pending_refusal(*step))),
            _ if self.has_scope(scope) => Ok(()),
            _ => Err(Error::Forbidden("You are not allowed to do this.")),
        }
    }

    /// Refuses unless the caller may take `action` through an endpoint to which the spec gives
    /// the scope `api_scope`. An operator always needs the dashboard action's scope (the role
    /// table of DESIGN.md), whatever the door, so that an operator's password-grant token
    /// cannot go around it; a machine client needs the scope the spec gives the endpoint.
    pub fn require_at_endpoint(&self, action: Action, api_scope: Scope) -> Result<()> {
        match self {
            Actor::ApiClient(_) => self.require_scope(api_scope),
            _ => self.require(action),
        }
    }

    /// Refuses unless the caller may manage an operator whose role is `target`: the role
    /// table's rule, and nobody grants, or changes an operator holding, a scope they do not
    /// hold themselves (an API client or a narrow token included). The one place of that rule
    /// for every door.
    pub fn require_may_manage(&self, target: Role) -> Result<()> {
        self.require(Action::ManageDashboardUsers)?;
        self.require(target.action_to_manage())
            .map_err(|_| Error::Forbidden("Only Administrators can manage Administrators."))?;
        self.require_may_grant(target.scopes())
    }

    /// Refuses unless the caller holds every scope in `scopes`: nobody grants what they do
    /// not hold (an operator's role, an API client's scopes).
    pub fn require_may_grant(&self, scopes: &[Scope]) -> Result<()> {
        if scopes.iter().any(|scope| !self.has_scope(*scope)) {
            return Err(Error::Forbidden(GRANT_REFUSAL));
        }
        Ok(())
    }

    /// The operator behind a dashboard session, for what is an operator's own business (their
    /// password, sessions, two-factor authentication): not an API client, not a token.
    pub fn dashboard_operator(&self) -> Result<&Operator> {
        match self {
            Actor::Operator(op) if op.token_scopes.is_none() => Ok(op),
            Actor::Anonymous => Err(Error::Unauthenticated),
            _ => Err(Error::Forbidden("This is done from the dashboard, logged in as the operator.")),
        }
    }

    pub fn operator_id(&self) -> Option<i64> {
        match self {
            Actor::Operator(op) => Some(op.id),
            _ => None,
        }
    }

    /// (type, id, label) as the audit log records them.
    pub fn audit_identity(&self) -> (&'static str, Option<i64>, String) {
        match self {
            Actor::Operator(op) => ("operator", Some(op.id), op.username.clone()),
            Actor::ApiClient(c) => ("api_client", Some(c.id), c.client_id.clone()),
            Actor::System => ("system", None, "server (command line or start-up)".to_string()),
            Actor::Anonymous => ("anonymous", None, "anonymous".to_string()),
            Actor::EndUser { account_id, email } => ("end_user", Some(*account_id), email.clone()),
        }
    }
}

/// Facts about the request that the audit log keeps.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub request_id: String,
    pub client_ip: Option<String>,
    /// The browser's `User-Agent` (shortened), kept with a session for My sessions.
    pub user_agent: Option<String>,
}

impl RequestMeta {
    /// For work that does not come from a request (command line, start-up).
    pub fn local() -> Self {
        RequestMeta { request_id: uuid::Uuid::new_v4().to_string(), client_ip: None, user_agent: None }
    }

    /// Runs `work` with this request's id readable by `current_request_id`, so that an error
    /// mapped far from the request (a `?` in a handler) can still name it.
    pub async fn scope<F: std::future::Future>(&self, work: F) -> F::Output {
        REQUEST_ID.scope(self.request_id.clone(), work).await
    }
}

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served (see `RequestMeta::scope`), or "-" outside one.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| "-".to_string())
}
