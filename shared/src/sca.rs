//! SCA devices (Treezor's "SCA Wallets"): the devices an end user authenticates with. Their
//! states, what the seed calls them, and which command each state allows. The backend
//! refuses with `ScaDevice::refusal`, the Profile tab offers the commands it allows.

use serde::{Deserialize, Serialize};

use crate::Action;

/// The SCA wallet's lifecycle status (`status` in the API).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScaStatus {
    Creating,
    Created,
    Initializing,
    Active,
    Deleted,
}

impl ScaStatus {
    pub const ALL: [ScaStatus; 5] =
        [ScaStatus::Creating, ScaStatus::Created, ScaStatus::Initializing, ScaStatus::Active, ScaStatus::Deleted];

    pub fn name(self) -> &'static str {
        match self {
            ScaStatus::Creating => "CREATING",
            ScaStatus::Created => "CREATED",
            ScaStatus::Initializing => "INITIALIZING",
            ScaStatus::Active => "ACTIVE",
            ScaStatus::Deleted => "DELETED",
        }
    }

    pub fn parse(s: &str) -> Option<ScaStatus> {
        ScaStatus::ALL.into_iter().find(|v| v.name() == s)
    }
}

/// Whether the user has set the device's PIN (`passcodeStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasscodeStatus {
    None,
    NotSet,
    Set,
    /// A reset was requested: the user must choose a new PIN.
    ToBeChanged,
}

impl PasscodeStatus {
    pub const ALL: [PasscodeStatus; 4] =
        [PasscodeStatus::None, PasscodeStatus::NotSet, PasscodeStatus::Set, PasscodeStatus::ToBeChanged];

    pub fn name(self) -> &'static str {
        match self {
            PasscodeStatus::None => "NONE",
            PasscodeStatus::NotSet => "NOT_SET",
            PasscodeStatus::Set => "SET",
            PasscodeStatus::ToBeChanged => "TO_BE_CHANGED",
        }
    }

    pub fn parse(s: &str) -> Option<PasscodeStatus> {
        PasscodeStatus::ALL.into_iter().find(|v| v.name() == s)
    }
}

/// Why a device was secured (the spec's `lockReason` enum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LockReason {
    FraudulentUseSuspectedByClient,
    FraudulentUseSuspectedByIssuer,
    Incident,
    Issuer,
    LostDevice,
    StolenDevice,
    TerminateService,
}

impl LockReason {
    pub const ALL: [LockReason; 7] = [
        LockReason::LostDevice,
        LockReason::StolenDevice,
        LockReason::FraudulentUseSuspectedByClient,
        LockReason::FraudulentUseSuspectedByIssuer,
        LockReason::Incident,
        LockReason::Issuer,
        LockReason::TerminateService,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LockReason::FraudulentUseSuspectedByClient => "FRAUDULENT_USE_SUSPECTED_BY_CLIENT",
            LockReason::FraudulentUseSuspectedByIssuer => "FRAUDULENT_USE_SUSPECTED_BY_ISSUER",
            LockReason::Incident => "INCIDENT",
            LockReason::Issuer => "ISSUER",
            LockReason::LostDevice => "LOST_DEVICE",
            LockReason::StolenDevice => "STOLEN_DEVICE",
            LockReason::TerminateService => "TERMINATE_SERVICE",
        }
    }

    pub fn parse(s: &str) -> Option<LockReason> {
        LockReason::ALL.into_iter().find(|v| v.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            LockReason::FraudulentUseSuspectedByClient => "Fraud suspected by the customer",
            LockReason::FraudulentUseSuspectedByIssuer => "Fraud suspected by us",
            LockReason::Incident => "Incident",
            LockReason::Issuer => "Issuer decision",
            LockReason::LostDevice => "Lost device",
            LockReason::StolenDevice => "Stolen device",
            LockReason::TerminateService => "Service terminated",
        }
    }
}

/// The phone of a mobile device, as its app reported it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MobileDevice {
    pub os: String,
    pub os_version: String,
    pub brand: String,
    pub model: String,
}

/// Web devices (browser, WebAuthn) or mobile ones (the SDK in the user's app).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceKind {
    Web,
    Mobile(MobileDevice),
}

impl DeviceKind {
    pub fn is_mobile(&self) -> bool {
        matches!(self, DeviceKind::Mobile(_))
    }

    /// "Web" or "Mobile: Apple iPhone 15 (iOS 18.1)".
    pub fn describe(&self) -> String {
        match self {
            DeviceKind::Web => "Web".into(),
            DeviceKind::Mobile(m) => format!("Mobile: {} {} ({} {})", m.brand, m.model, m.os, m.os_version),
        }
    }
}

/// What the seed shows an operator: Passcode missing, Active or Locked (and Deleted, in the
/// list of deleted devices).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceState {
    PasscodeMissing,
    Active,
    Locked,
    Deleted,
}

impl DeviceState {
    pub fn label(self) -> &'static str {
        match self {
            DeviceState::PasscodeMissing => "Passcode missing",
            DeviceState::Active => "Active",
            DeviceState::Locked => "Locked",
            DeviceState::Deleted => "Deleted",
        }
    }
}

/// A command on a device, each with the operator action (and so scope) it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScaCommand {
    Secure,
    Unlock,
    ResetPin,
    Delete,
}

impl ScaCommand {
    pub const ALL: [ScaCommand; 4] = [ScaCommand::Secure, ScaCommand::Unlock, ScaCommand::ResetPin, ScaCommand::Delete];

    pub fn action(self) -> Action {
        match self {
            ScaCommand::Secure => Action::SecureScaDevice,
            ScaCommand::Unlock => Action::UnlockScaDevice,
            ScaCommand::ResetPin => Action::ResetScaPin,
            ScaCommand::Delete => Action::DeleteScaDevice,
        }
    }

    /// The menu item's text (the seed's).
    pub fn label(self) -> &'static str {
        match self {
            ScaCommand::Secure => "Secure SCA on this device",
            ScaCommand::Unlock => "Unlock SCA on this device",
            ScaCommand::ResetPin => "Reset PIN",
            ScaCommand::Delete => "Delete SCA on this device",
        }
    }
}

/// The seed's caution before giving a device back to whoever holds it.
pub const IDENTITY_CAUTION: &str = "Should only be done if you're sure of the user identity.";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaDevice {
    pub id: i64,
    pub user_id: i64,
    pub status: ScaStatus,
    pub passcode_status: PasscodeStatus,
    pub locked: bool,
    pub lock_reason: Option<LockReason>,
    pub lock_message: Option<String>,
    pub kind: DeviceKind,
    pub tag: Option<String>,
    pub creation_date: String,
    pub activation_date: Option<String>,
    pub lock_date: Option<String>,
    pub unlock_date: Option<String>,
    pub reset_pin_date: Option<String>,
    pub deletion_date: Option<String>,
}

impl ScaDevice {
    pub fn state(&self) -> DeviceState {
        if self.status == ScaStatus::Deleted {
            DeviceState::Deleted
        } else if self.locked {
            DeviceState::Locked
        } else if self.passcode_status == PasscodeStatus::Set {
            DeviceState::Active
        } else {
            DeviceState::PasscodeMissing
        }
    }

    /// Why the device's state refuses `command`, if it does (the caller's role aside).
    pub fn refusal(&self, command: ScaCommand) -> Option<&'static str> {
        if self.status == ScaStatus::Deleted {
            return Some("This SCA device is deleted: nothing can be done on it any more.");
        }
        match command {
            ScaCommand::Secure if self.locked => Some("This SCA device is already locked."),
            ScaCommand::Unlock if !self.locked => Some("This SCA device is not locked."),
            ScaCommand::ResetPin if !self.kind.is_mobile() => {
                Some("The PIN can only be reset on a mobile device; this one is a web device.")
            }
            _ => None,
        }
    }

    pub fn allows(&self, command: ScaCommand) -> bool {
        self.refusal(command).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(kind: DeviceKind) -> ScaDevice {
        ScaDevice {
            id: 1,
            user_id: 1,
            status: ScaStatus::Active,
            passcode_status: PasscodeStatus::Set,
            locked: false,
            lock_reason: None,
            lock_message: None,
            kind,
            tag: None,
            creation_date: "2026-01-01T00:00:00Z".into(),
            activation_date: None,
            lock_date: None,
            unlock_date: None,
            reset_pin_date: None,
            deletion_date: None,
        }
    }

    #[test]
    fn states_are_named_as_the_seed_names_them() {
        let mut d = device(DeviceKind::Web);
        assert_eq!(d.state().label(), "Active");
        d.passcode_status = PasscodeStatus::ToBeChanged;
        assert_eq!(d.state().label(), "Passcode missing");
        d.locked = true;
        assert_eq!(d.state().label(), "Locked", "locked wins over the passcode");
        d.status = ScaStatus::Deleted;
        assert_eq!(d.state(), DeviceState::Deleted);
    }

    #[test]
    fn each_state_allows_only_its_commands() {
        let mut web = device(DeviceKind::Web);
        assert!(web.allows(ScaCommand::Secure));
        assert!(!web.allows(ScaCommand::Unlock), "an unlocked device cannot be unlocked");
        assert!(!web.allows(ScaCommand::ResetPin), "no PIN reset on web");
        web.locked = true;
        assert!(!web.allows(ScaCommand::Secure), "a locked device cannot be locked again");
        assert!(web.allows(ScaCommand::Unlock));
        let mobile = device(DeviceKind::Mobile(MobileDevice::default()));
        assert!(mobile.allows(ScaCommand::ResetPin));
        web.status = ScaStatus::Deleted;
        for command in ScaCommand::ALL {
            assert!(!web.allows(command), "{command:?} on a deleted device");
        }
    }

    #[test]
    fn codes_round_trip() {
        for r in LockReason::ALL {
            assert_eq!(LockReason::parse(r.code()), Some(r));
        }
        for s in ScaStatus::ALL {
            assert_eq!(ScaStatus::parse(s.name()), Some(s));
        }
        for p in PasscodeStatus::ALL {
            assert_eq!(PasscodeStatus::parse(p.name()), Some(p));
        }
    }
}
