//! Single sign-on through an OpenID Connect provider (Entra ID or any other): the authorisation
//! code flow with PKCE (`openidconnect`, over `ureq`: blocking, rustls, no async runtime of its own).
//!
//! 1. [`Sso::begin`] makes the state, nonce and PKCE verifier and the provider's authorisation
//!    URL; [`save_pending`] keeps them server-side under the hash of a random token that goes in
//!    the browser's `sd_oidc` cookie (the pre-session).
//! 2. At the callback, [`take_pending`] takes that row (once) and checks the `state`;
//!    [`Sso::identify`] exchanges the code (with the verifier) and validates the ID token:
//!    signature against the provider's JWKS, issuer, audience, nonce and expiry.
//! 3. [`sign_in`] matches the email among active users and opens the same kind of session as a
//!    password does (marked as single sign-on; no local second factor: the provider does MFA).
//!
//! Everything here that talks to the provider is blocking: the web layer calls it through
//! `web::block`, never on the async threads, and never while holding a database connection.

use crate::config::OidcConfig;
use crate::db::schema::oidc_sign_ins;
use crate::db::DbConnection;
use crate::models::now;
use crate::models::user::{self as users, NewUser, User};
use crate::services::audit::{self, Actor, Event};
use crate::services::auth::{self, random_token, sha256_hex, tokens_match, Client, NewSession, SessionPolicy};
use crate::services::ServiceError;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IdToken, IdTokenVerifier,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// How long a sign-in may wait at the provider (the pre-session and its cookie).
pub const PENDING_MINUTES: i64 = 10;
/// How long the provider's discovery document and keys are kept before they are fetched again.
const METADATA_SECONDS: u64 = 600;
/// The callback path under `BASE_URL` (registered at the provider as the redirect URI).
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";

/// Every claim of the ID token that is not a standard one (Entra's `upn`, for example), so the
/// email can come from whichever claim `OIDC_EMAIL_CLAIM` names.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct OtherClaims(HashMap<String, serde_json::Value>);
impl AdditionalClaims for OtherClaims {}

type SdIdToken = IdToken<OtherClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

/// Why a single sign-on did not sign anyone in (the page says it; none of it is a fault of ours
/// except `Db`/`Internal`).
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// The provider could not be reached or answered something unusable (discovery, token).
    #[error("the sign-in service could not be reached or gave an answer we cannot use: {0}")]
    Provider(String),
    /// The ID token failed validation (signature, issuer, audience, nonce, expiry, at_hash).
    #[error("the sign-in service's answer could not be trusted: {0}")]
    Token(String),
    /// The pre-session is gone or the state does not match (an old tab, another browser, a replay).
    #[error("this sign-in has expired or was started elsewhere")]
    Stale,
    /// The provider said no (the person cancelled, or is not allowed to use the application).
    #[error("the sign-in service did not sign you in ({0})")]
    Denied(String),
    /// The token carries no usable email address in the configured claim.
    #[error("the sign-in service did not give an email address in its {0:?} claim")]
    NoEmail(String),
    /// No active account has that email (and accounts are not made on first sign-in).
    #[error("no account for {0}")]
    Unknown(String),
    /// The account has been deactivated.
    #[error("the account for {0} has been deactivated")]
    Deactivated(String),
    /// The account exists (perhaps just made) but has no role yet.
    #[error("the account for {0} has no role yet")]
    NoRole(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error("{0}")]
    Internal(String),
}

impl From<ServiceError> for SsoError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Db(e) => SsoError::Db(e),
            other => SsoError::Internal(other.to_string()),
        }
    }
}

/// Who the provider says signed in (validated).
#[derive(Debug, Clone)]
pub struct Identity {
    /// Lowercased.
    pub email: String,
    pub name: Option<String>,
    pub subject: String,
}

/// What [`Sso::begin`] makes: the URL to send the browser to, and what is kept server-side.
#[derive(Debug, Clone)]
pub struct Started {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The provider's configuration, with its discovery document cached for a few minutes.
pub struct Sso {
    pub config: OidcConfig,
    redirect_uri: String,
    http: openidconnect::ureq::Agent,
    metadata: Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

impl std::fmt::Debug for Sso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sso").field("issuer", &self.config.issuer).finish_non_exhaustive()
    }
}

impl Sso {
    pub fn new(config: OidcConfig, base_url: &str) -> Self {
        let http = openidconnect::ureq::AgentBuilder::new()
            // Following redirects would open the client to SSRF.
            .redirects(0)
            .timeout(std::time::Duration::from_secs(15))
            .build();
        let redirect_uri = format!("{}{CALLBACK_PATH}", base_url.trim_end_matches('/'));
        Self { config, redirect_uri, http, metadata: Mutex::new(None) }
    }

    /// The provider's discovery document and keys (cached; `fresh` fetches them again, as after
    /// a key rollover).
    pub fn metadata(&self, fresh: bool) -> Result<CoreProviderMetadata, SsoError> {
        if !fresh {
            let cached = self.metadata.lock().map_err(|_| SsoError::Internal("metadata lock".into()))?;
            if let Some((_, m)) = cached.as_ref().filter(|(at, _)| at.elapsed().as_secs() < METADATA_SECONDS) {
                return Ok(m.clone());
            }
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(|e| SsoError::Provider(e.to_string()))?;
        let m = CoreProviderMetadata::discover(&issuer, &self.http).map_err(|e| SsoError::Provider(error_chain(&e)))?;
        *self.metadata.lock().map_err(|_| SsoError::Internal("metadata lock".into()))? =
            Some((Instant::now(), m.clone()));
        Ok(m)
    }

    fn redirect(&self) -> Result<RedirectUrl, SsoError> {
        RedirectUrl::new(self.redirect_uri.clone()).map_err(|e| SsoError::Internal(e.to_string()))
    }

    /// A new sign-in: the authorisation URL (scopes `openid email profile`, PKCE S256) and the
    /// state, nonce and verifier to keep.
    pub fn begin(&self) -> Result<Started, SsoError> {
        let metadata = self.metadata(false)?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.expose().to_string())),
        )
        .set_redirect_uri(self.redirect()?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// The callback's code: exchanged (with the verifier) at the token endpoint, and the ID token
    /// validated against the nonce of the pre-session.
    pub fn identify(&self, pending: &Pending, code: &str) -> Result<Identity, SsoError> {
        let metadata = self.metadata(false)?;
        let client = CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.expose().to_string())),
        )
        .set_redirect_uri(self.redirect()?);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| SsoError::Provider(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request(&self.http)
            .map_err(|e| SsoError::Provider(error_chain(&e)))?;
        let raw =
            response.id_token().ok_or_else(|| SsoError::Provider("no ID token in the answer".into()))?.to_string();
        let checked = self.verify_id_token(&metadata, &raw, &pending.nonce, Utc::now());
        // A key we do not know: the provider may have rolled its keys; fetch them once more.
        let (token, identity) = match checked {
            Err(SsoError::Token(why)) if why.contains("key") => {
                let metadata = self.metadata(true)?;
                self.verify_id_token(&metadata, &raw, &pending.nonce, Utc::now())?
            }
            other => other?,
        };
        // The access token is the one the ID token was issued with (OIDC Core 3.1.3.8).
        let verifier = self.verifier(&metadata, Utc::now())?;
        let claims =
            token.claims(&verifier, &Nonce::new(pending.nonce.clone())).map_err(|e| SsoError::Token(e.to_string()))?;
        if let Some(expected) = claims.access_token_hash() {
            let alg = token.signing_alg().map_err(|e| SsoError::Token(e.to_string()))?;
            let key = token.signing_key(&verifier).map_err(|e| SsoError::Token(e.to_string()))?;
            let actual = AccessTokenHash::from_token(response.access_token(), alg, key)
                .map_err(|e| SsoError::Token(e.to_string()))?;
            if actual != *expected {
                return Err(SsoError::Token("the access token does not match the ID token".into()));
            }
        }
        Ok(identity)
    }

    fn verifier(
        &self,
        metadata: &CoreProviderMetadata,
        at: DateTime<Utc>,
    ) -> Result<IdTokenVerifier<'static, CoreJsonWebKey>, SsoError> {
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(|e| SsoError::Provider(e.to_string()))?;
        Ok(IdTokenVerifier::new_confidential_client(
            ClientId::new(self.config.client_id.clone()),
            ClientSecret::new(self.config.client_secret.expose().to_string()),
            issuer,
            metadata.jwks().clone(),
        )
        .set_time_fn(move || at))
    }

    /// Validates a compact ID token as the callback does: its signature (one of the provider's
    /// keys, RS256), issuer (`OIDC_ISSUER`), audience (`OIDC_CLIENT_ID`), nonce and expiry at
    /// `at`; then reads the email from the configured claim.
    pub fn verify_id_token(
        &self,
        metadata: &CoreProviderMetadata,
        raw: &str,
        nonce: &str,
        at: DateTime<Utc>,
    ) -> Result<(SdIdToken, Identity), SsoError> {
        let token: SdIdToken = raw.parse().map_err(|e: serde_json::Error| SsoError::Token(e.to_string()))?;
        let verifier = self.verifier(metadata, at)?;
        let claims =
            token.claims(&verifier, &Nonce::new(nonce.to_string())).map_err(|e| SsoError::Token(e.to_string()))?;
        let claim = self.config.email_claim.as_str();
        let email = match claim {
            "email" => {
                if claims.email_verified() == Some(false) {
                    return Err(SsoError::NoEmail(format!("{claim} (not verified)")));
                }
                claims.email().map(|e| e.as_str().to_string())
            }
            "preferred_username" => claims.preferred_username().map(|u| u.as_str().to_string()),
            other => claims.additional_claims().0.get(other).and_then(|v| v.as_str()).map(str::to_string),
        };
        let email = email
            .map(|e| e.trim().to_lowercase())
            .filter(|e| e.contains('@') && e.len() <= 320)
            .ok_or_else(|| SsoError::NoEmail(claim.to_string()))?;
        let name =
            claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().trim().to_string()).filter(|n| !n.is_empty());
        let identity = Identity { email, name, subject: claims.subject().as_str().to_string() };
        Ok((token, identity))
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// A sign-in waiting for the provider (the pre-session).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oidc_sign_ins)]
pub struct Pending {
    /// SHA-256 (hex) of the `sd_oidc` cookie's token.
    pub id: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub next_path: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Keeps a started sign-in; returns the token for the browser's cookie. Expired ones are cleared
/// at the same time.
pub fn save_pending(conn: &mut DbConnection, started: &Started, next: &str) -> QueryResult<String> {
    let token = random_token();
    let t = now();
    let row = Pending {
        id: sha256_hex(token.as_bytes()),
        state: started.state.clone(),
        nonce: started.nonce.clone(),
        pkce_verifier: started.pkce_verifier.clone(),
        next_path: next.to_string(),
        created_at: t,
        expires_at: t + Duration::minutes(PENDING_MINUTES),
    };
    crate::db::write(conn, |conn| {
        diesel::delete(oidc_sign_ins::table.filter(oidc_sign_ins::expires_at.lt(t))).execute(conn)?;
        diesel::insert_into(oidc_sign_ins::table).values(&row).execute(conn)?;
        Ok(token)
    })
}

/// Takes (deletes) the pre-session of the cookie's token, if it is live and the provider sent
/// back its state: a callback is used once.
pub fn take_pending(conn: &mut DbConnection, token: &str, state: &str) -> Result<Pending, SsoError> {
    let id = sha256_hex(token.as_bytes());
    crate::db::write(conn, |conn| {
        let row: Option<Pending> =
            oidc_sign_ins::table.find(&id).select(Pending::as_select()).first(conn).optional()?;
        let Some(row) = row else { return Err(SsoError::Stale) };
        diesel::delete(oidc_sign_ins::table.find(&id)).execute(conn)?;
        if row.expires_at <= now() || !tokens_match(&row.state, state) {
            return Err(SsoError::Stale);
        }
        Ok(row)
    })
}

/// The newest pre-session (for tests that play the provider's part of the exchange).
pub fn latest_pending(conn: &mut DbConnection) -> QueryResult<Option<Pending>> {
    oidc_sign_ins::table.order(oidc_sign_ins::created_at.desc()).select(Pending::as_select()).first(conn).optional()
}

/// Signs in the active user with the identity's email, as a password sign-in does but without
/// the local second factor; or, with `OIDC_CREATE_USERS=1`, makes an account with no role for a
/// new address (it opens nothing until an administrator gives it one). Refusals are audited.
pub fn sign_in(
    conn: &mut DbConnection,
    config: &OidcConfig,
    identity: &Identity,
    client: &Client,
    policy: SessionPolicy,
    base_url: &str,
) -> Result<NewSession, SsoError> {
    let refused = |conn: &mut DbConnection, user: Option<&User>, why: &str| -> Result<(), SsoError> {
        let actor =
            Actor { user_id: None, label: format!("{} (single sign-on)", identity.email), ip: Some(client.ip.clone()) };
        let (kind, id) = match user {
            Some(u) => ("user", u.id.as_str()),
            None => ("sign-in", identity.email.as_str()),
        };
        crate::db::write(conn, |conn| {
            audit::record(
                conn,
                &actor,
                Event::new("user.sso_refused", kind, id)
                    .summary(format!("Single sign-on refused for {}: {why}", identity.email)),
            )
        })?;
        Ok(())
    };
    let user = users::find_by_email(conn, &identity.email)?;
    let user = match user {
        Some(u) if !u.active => {
            refused(conn, Some(&u), "the account is deactivated")?;
            return Err(SsoError::Deactivated(identity.email.clone()));
        }
        Some(u) => u,
        None if config.create_users => {
            create_without_role(conn, identity, client)?;
            return Err(SsoError::NoRole(identity.email.clone()));
        }
        None => {
            refused(conn, None, "no account has this email address")?;
            return Err(SsoError::Unknown(identity.email.clone()));
        }
    };
    if user.role().is_none() {
        refused(conn, Some(&user), "the account has no role yet")?;
        return Err(SsoError::NoRole(identity.email.clone()));
    }
    crate::db::write(conn, |conn| auth::open_session(conn, &user, client, policy, base_url, true))
        .map_err(SsoError::from)
}

/// An account for a new address (`OIDC_CREATE_USERS=1`): no role, and a password no one knows.
fn create_without_role(conn: &mut DbConnection, identity: &Identity, client: &Client) -> Result<(), SsoError> {
    let hash = auth::hash_password(&random_token()).map_err(SsoError::Internal)?;
    let name = identity.name.clone().unwrap_or_else(|| identity.email.clone());
    let name: String = name.chars().take(200).collect();
    crate::db::write(conn, |conn| {
        let t = now();
        let id = crate::models::new_id();
        users::insert(
            conn,
            &NewUser {
                id: &id,
                email: &identity.email,
                name: &name,
                role: "",
                password_hash: &hash,
                active: true,
                created_at: t,
                updated_at: t,
            },
        )?;
        audit::record(
            conn,
            &Actor {
                user_id: None,
                label: format!("{} (single sign-on)", identity.email),
                ip: Some(client.ip.clone()),
            },
            Event::new("user.created_by_sso", "user", &id).summary(format!(
                "An account with no role was made for {} at their first single sign-on",
                identity.email
            )),
        )?;
        Ok(())
    })
}
