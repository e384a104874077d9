//! Roles, scopes, views and actions: the permission table of DESIGN.md, and nowhere else.
//!
//! The browser uses it to decide what to show; the server uses the very same functions to
//! decide what to allow.

use serde::{Deserialize, Serialize};

/// An OAuth2-style scope. A role grants a set of them; every view and action needs one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    ReadOnly,
    ReadAll,
    ReadWrite,
    Legal,
    SupportUserManagement,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 6] =
        [Scope::ReadOnly, Scope::ReadAll, Scope::ReadWrite, Scope::Legal, Scope::SupportUserManagement, Scope::Admin];

    /// The name used by Treezor's API and in OAuth2 `scope` strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ReadOnly => "read_only",
            Scope::ReadAll => "read_all",
            Scope::ReadWrite => "read_write",
            Scope::Legal => "legal",
            Scope::SupportUserManagement => "support_user_management",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
}

/// An operator's role. Each role grants the scopes of the one before it, plus one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    SupportReadOnly,
    Support,
    SupportLegal,
    Manager,
    Administrator,
}

impl Role {
    pub const ALL: [Role; 5] =
        [Role::SupportReadOnly, Role::Support, Role::SupportLegal, Role::Manager, Role::Administrator];

    /// The scopes this role grants (seed: Dashboard Users, "About Dashboard User Roles").
    pub fn scopes(self) -> &'static [Scope] {
        use Scope::*;
        match self {
            Role::SupportReadOnly => &[ReadOnly, ReadAll],
            Role::Support => &[ReadOnly, ReadAll, ReadWrite],
            Role::SupportLegal => &[ReadOnly, ReadAll, ReadWrite, Legal],
            Role::Manager => &[ReadOnly, ReadAll, ReadWrite, Legal, SupportUserManagement],
            Role::Administrator => &[ReadOnly, ReadAll, ReadWrite, Legal, SupportUserManagement, Admin],
        }
    }

    pub fn has_scope(self, scope: Scope) -> bool {
        self.scopes().contains(&scope)
    }

    pub fn may_view(self, view: View) -> bool {
        self.has_scope(view.required_scope())
    }

    pub fn may(self, action: Action) -> bool {
        self.has_scope(action.required_scope())
    }

    /// The stable identifier used by the CLI, the database and the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SupportReadOnly => "support-read-only",
            Role::Support => "support",
            Role::SupportLegal => "support-legal",
            Role::Manager => "manager",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == s)
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::SupportReadOnly => "Support User – Read only",
            Role::Support => "Support User",
            Role::SupportLegal => "Support & legal User",
            Role::Manager => "Manager",
            Role::Administrator => "Administrator",
        }
    }

    /// May an operator with this role create, edit or delete an operator whose role is
    /// `target` (its current role, or the one being granted)?
    /// Managers and Administrators manage operators; only Administrators touch Administrators.
    pub fn may_manage_operator_with_role(self, target: Role) -> bool {
        self.may(target.action_to_manage())
    }

    /// The action it takes to create, edit or delete an operator with this role, or to
    /// grant it.
    pub fn action_to_manage(self) -> Action {
        if self == Role::Administrator { Action::ManageAdministrators } else { Action::ManageDashboardUsers }
    }

    /// The least role whose scopes include all of `scopes` (the API names scopes, the
    /// dashboard roles).
    pub fn least_with_scopes(scopes: &[Scope]) -> Role {
        Role::ALL.into_iter().find(|role| scopes.iter().all(|s| role.has_scope(*s))).unwrap_or(Role::Administrator)
    }

    /// The roles this role may grant, for the role picker.
    pub fn grantable_roles(self) -> Vec<Role> {
        Role::ALL.into_iter().filter(|target| self.may_manage_operator_with_role(*target)).collect()
    }
}

/// A view of the dashboard. Each needs one scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum View {
    SearchUsers,
    ProfilesBoard,
    AllUsers,
    AllCards,
    AllCardTransactions,
    OnboardingUsers,
    UserDocsPendingPreReview,
    KycReviews,
    /// Four-eyes: payouts above the threshold, waiting for a second operator.
    PayoutApprovals,
    CreateUser,
    DashboardUsers,
    AuditLog,
    BulkCards,
    PredefRestrictionGroups,
    TemplatingManagement,
    SystemConfiguration,
    Webhooks,
    Cryptography,
    ApiClients,
}

/// Where a view sits in the navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Users,
    Administration,
}

impl View {
    pub const ALL: [View; 19] = [
        View::SearchUsers,
        View::ProfilesBoard,
        View::AllUsers,
        View::AllCards,
        View::AllCardTransactions,
        View::OnboardingUsers,
        View::UserDocsPendingPreReview,
        View::KycReviews,
        View::PayoutApprovals,
        View::CreateUser,
        View::BulkCards,
        View::DashboardUsers,
        View::AuditLog,
        View::PredefRestrictionGroups,
        View::TemplatingManagement,
        View::SystemConfiguration,
        View::Webhooks,
        View::Cryptography,
        View::ApiClients,
    ];

    pub fn required_scope(self) -> Scope {
        use View::*;
        match self {
            SearchUsers | ProfilesBoard | AllUsers | AllCards | AllCardTransactions | OnboardingUsers => {
                Scope::ReadOnly
            }
            PayoutApprovals => Scope::ReadWrite,
            UserDocsPendingPreReview | KycReviews | CreateUser => Scope::Legal,
            DashboardUsers | AuditLog => Scope::SupportUserManagement,
            BulkCards
            | PredefRestrictionGroups
            | TemplatingManagement
            | SystemConfiguration
            | Webhooks
            | Cryptography
            | ApiClients => Scope::Admin,
        }
    }

    pub fn title(self) -> &'static str {
        use View::*;
        match self {
            SearchUsers => "Search Users",
            ProfilesBoard => "Profiles Board",
            AllUsers => "All Users",
            AllCards => "All Cards",
            AllCardTransactions => "All Card Transactions",
            OnboardingUsers => "Onboarding Users",
            UserDocsPendingPreReview => "User docs pending pre-review",
            KycReviews => "KYC reviews",
            PayoutApprovals => "Payout approvals",
            CreateUser => "Create a new user",
            DashboardUsers => "Dashboard Users",
            AuditLog => "Audit log",
            BulkCards => "Bulk Cards",
            PredefRestrictionGroups => "Predef Restriction Groups",
            TemplatingManagement => "Templating management",
            SystemConfiguration => "System Configuration",
            Webhooks => "Webhooks",
            Cryptography => "Cryptography",
            ApiClients => "API clients",
        }
    }

    /// The URL path of the view in the single-page app.
    pub fn path(self) -> &'static str {
        use View::*;
        match self {
            SearchUsers => "/search",
            ProfilesBoard => "/profiles",
            AllUsers => "/users",
            AllCards => "/cards",
            AllCardTransactions => "/card-transactions",
            OnboardingUsers => "/onboarding-users",
            UserDocsPendingPreReview => "/docs-pending-review",
            KycReviews => "/kyc-reviews",
            PayoutApprovals => "/payout-approvals",
            CreateUser => "/users/new",
            DashboardUsers => "/dashboard-users",
            AuditLog => "/audit-log",
            BulkCards => "/bulk-cards",
            PredefRestrictionGroups => "/restriction-groups",
            TemplatingManagement => "/templates",
            SystemConfiguration => "/configuration",
            Webhooks => "/webhooks",
            Cryptography => "/cryptography",
            ApiClients => "/api-clients",
        }
    }

    pub fn from_path(path: &str) -> Option<View> {
        let path = path.trim_end_matches('/');
        View::ALL.into_iter().find(|view| view.path() == path)
    }

    /// Whether the dashboard has this view yet. A view appears in the navigation (and
    /// answers at its address) only when it works: no "coming soon" pages.
    pub fn is_built(self) -> bool {
        use View::*;
        matches!(
            self,
            SearchUsers
                | ProfilesBoard
                | AllUsers
                | AllCards
                | AllCardTransactions
                | OnboardingUsers
                | UserDocsPendingPreReview
                | KycReviews
                | PayoutApprovals
                | CreateUser
                | DashboardUsers
                | AuditLog
                | BulkCards
                | PredefRestrictionGroups
                | SystemConfiguration
                | ApiClients
        )
    }

    pub fn section(self) -> Section {
        if self.required_scope() == Scope::SupportUserManagement
            || (self.required_scope() == Scope::Admin && self != View::BulkCards)
        {
            Section::Administration
        } else {
            Section::Users
        }
    }
}

/// An action an operator may take. Each needs one scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    // read_only
    ReadUsers,
    OrganizeProfileElements,
    ViewWalletDetails,
    DownloadOperations,
    GenerateStatement,
    // read_write
    EditUserInformation,
    ManageTaxResidences,
    DeactivateUser,
    SendForgotPassword,
    SecureScaDevice,
    /// Enrol an SCA device for a user (REST only: devices normally come from the user's app).
    EnrolScaDevice,
    AddWallet,
    EditWallet,
    DeactivateWallet,
    GenerateAccountDetails,
    MakePayout,
    CreateWalletToWalletTransfer,
    /// Four-eyes: a second operator approves a payout above the threshold.
    ApprovePayout,
    /// Create a virtual card (REST, and Bulk Cards for administrators).
    CreateCard,
    ActivateCard,
    BlockCard,
    UpdateCardSettings,
    CreateBeneficiary,
    EditBeneficiary,
    // legal
    AddKycDocument,
    ReviewKycDocument,
    DeleteKycDocument,
    SubmitKycReview,
    /// Validate or refuse a submitted KYC review (never the submitter: four-eyes).
    DecideKycReview,
    ViewProcessedKycDocuments,
    DownloadProcessedKycDocuments,
    UnlockScaDevice,
    ResetScaPin,
    DeleteScaDevice,
    AddChildUser,
    CreateUser,
    // support_user_management
    ManageDashboardUsers,
    UnblockDashboardUser,
    ViewAuditLog,
    // admin
    ManageAdministrators,
    FreezeUser,
    DeleteProcessedKycDocuments,
    ManageApiClients,
    ManageSystemConfiguration,
    /// Predef Restriction Groups: create, edit, cancel.
    ManageRestrictionGroups,
    /// Bulk Cards: virtual cards for a list of users.
    BulkCreateCards,
    /// Remove an operator's two-factor authentication (a lost phone): they set it up again.
    ResetOperatorTwoFactor,
}

impl Action {
    /// Whether the action changes an end user or what it owns, and so is refused once the
    /// user is canceled (`EndUser::refusal`). Reading stays possible, and so do the
    /// protective actions (blocking a card, securing an SCA device, freezing assets is not
    /// among them: a canceled user has nothing left to move).
    pub fn changes_end_user(self) -> bool {
        use Action::*;
        matches!(
            self,
            EditUserInformation
                | ManageTaxResidences
                | DeactivateUser
                | SendForgotPassword
                | EnrolScaDevice
                | AddWallet
                | EditWallet
                | GenerateAccountDetails
                | MakePayout
                | CreateWalletToWalletTransfer
                | CreateCard
                | ActivateCard
                | UpdateCardSettings
                | CreateBeneficiary
                | EditBeneficiary
                | AddKycDocument
                | ReviewKycDocument
                | SubmitKycReview
                | DecideKycReview
                | UnlockScaDevice
                | ResetScaPin
                | AddChildUser
                | FreezeUser
        )
    }

    pub fn required_scope(self) -> Scope {
        use Action::*;
        match self {
            ReadUsers | OrganizeProfileElements | ViewWalletDetails | DownloadOperations | GenerateStatement => {
                Scope::ReadOnly
            }
            EditUserInformation
            | ManageTaxResidences
            | DeactivateUser
            | SendForgotPassword
            | SecureScaDevice
            | EnrolScaDevice
            | AddWallet
            | EditWallet
            | DeactivateWallet
            | GenerateAccountDetails
            | MakePayout
            | CreateWalletToWalletTransfer
            | ApprovePayout
            | CreateCard
            | ActivateCard
            | BlockCard
            | UpdateCardSettings
            | CreateBeneficiary
            | EditBeneficiary => Scope::ReadWrite,
            AddKycDocument
            | ReviewKycDocument
            | DeleteKycDocument
            | SubmitKycReview
            | DecideKycReview
            | ViewProcessedKycDocuments
            | DownloadProcessedKycDocuments
            | UnlockScaDevice
            | ResetScaPin
            | DeleteScaDevice
            | AddChildUser
            | CreateUser => Scope::Legal,
            ManageDashboardUsers | UnblockDashboardUser | ViewAuditLog => Scope::SupportUserManagement,
            ManageAdministrators
            | FreezeUser
            | DeleteProcessedKycDocuments
            | ManageApiClients
            | ManageSystemConfiguration
            | ManageRestrictionGroups
            | BulkCreateCards
            | ResetOperatorTwoFactor => Scope::Admin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope_names(role: Role) -> Vec<&'static str> {
        role.scopes().iter().map(|s| s.as_str()).collect()
    }

    #[test]
    fn each_role_grants_exactly_the_seeded_scopes() {
        assert_eq!(scope_names(Role::SupportReadOnly), ["read_only", "read_all"]);
        assert_eq!(scope_names(Role::Support), ["read_only", "read_all", "read_write"]);
        assert_eq!(scope_names(Role::SupportLegal), ["read_only", "read_all", "read_write", "legal"]);
        assert_eq!(
            scope_names(Role::Manager),
            ["read_only", "read_all", "read_write", "legal", "support_user_management"]
        );
        assert_eq!(
            scope_names(Role::Administrator),
            ["read_only", "read_all", "read_write", "legal", "support_user_management", "admin"]
        );
    }

    #[test]
    fn views_follow_the_scope_table() {
        let allowed = |role: Role| -> Vec<View> { View::ALL.into_iter().filter(|v| role.may_view(*v)).collect() };
        assert!(allowed(Role::SupportReadOnly).contains(&View::AllUsers));
        assert!(!allowed(Role::SupportReadOnly).contains(&View::CreateUser));
        assert!(!Role::Support.may_view(View::CreateUser));
        assert!(Role::SupportLegal.may_view(View::CreateUser));
        assert!(!Role::SupportLegal.may_view(View::DashboardUsers));
        assert!(Role::Manager.may_view(View::DashboardUsers));
        assert!(!Role::Manager.may_view(View::SystemConfiguration));
        assert_eq!(allowed(Role::Administrator).len(), View::ALL.len());
        assert_eq!(allowed(Role::SupportReadOnly).len(), 6);
    }

    #[test]
    fn actions_follow_the_scope_table() {
        assert!(Role::SupportReadOnly.may(Action::GenerateStatement));
        assert!(!Role::SupportReadOnly.may(Action::DeactivateUser));
        assert!(Role::Support.may(Action::DeactivateUser));
        assert!(!Role::Support.may(Action::AddChildUser));
        assert!(Role::SupportLegal.may(Action::AddChildUser));
        assert!(!Role::SupportLegal.may(Action::ManageDashboardUsers));
        assert!(Role::Manager.may(Action::UnblockDashboardUser));
        assert!(!Role::Manager.may(Action::FreezeUser));
        assert!(Role::Administrator.may(Action::FreezeUser));
    }

    #[test]
    fn only_administrators_manage_administrators() {
        assert!(Role::Manager.may_manage_operator_with_role(Role::Support));
        assert!(!Role::Manager.may_manage_operator_with_role(Role::Administrator));
        assert!(Role::Administrator.may_manage_operator_with_role(Role::Administrator));
        assert!(!Role::SupportLegal.may_manage_operator_with_role(Role::SupportReadOnly));
        assert_eq!(
            Role::Manager.grantable_roles(),
            [Role::SupportReadOnly, Role::Support, Role::SupportLegal, Role::Manager]
        );
        assert_eq!(Role::Administrator.grantable_roles(), Role::ALL);
        assert!(Role::Support.grantable_roles().is_empty());
    }

    #[test]
    fn scopes_map_to_the_least_role_that_grants_them() {
        assert_eq!(Role::least_with_scopes(&[]), Role::SupportReadOnly);
        assert_eq!(Role::least_with_scopes(&[Scope::ReadOnly]), Role::SupportReadOnly);
        assert_eq!(Role::least_with_scopes(&[Scope::ReadWrite]), Role::Support);
        assert_eq!(Role::least_with_scopes(&[Scope::ReadOnly, Scope::Legal]), Role::SupportLegal);
        assert_eq!(Role::least_with_scopes(&[Scope::SupportUserManagement]), Role::Manager);
        assert_eq!(Role::least_with_scopes(&[Scope::Admin, Scope::ReadOnly]), Role::Administrator);
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        for view in View::ALL {
            assert_eq!(View::from_path(view.path()), Some(view));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
