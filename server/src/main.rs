use anyhow::Context;
use clap::Parser;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use app::ssr::SessionCookie;
use backend::{Actor, Backend, MailSettings, RequestMeta, SessionSettings};
use server::cli::{
    ApiClientCommand, Cli, Command, CreateApiClientArgs, CreateOperatorArgs, OperatorCommand, SeedDemoArgs, ServeArgs,
    UnblockOperatorArgs,
};
use server::{AppState, http};
use shared::dto::OperatorForm;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Operator { command: OperatorCommand::Create(args) } => create_operator(args).await,
        Command::Operator { command: OperatorCommand::Unblock(args) } => unblock_operator(args).await,
        Command::Operator { command: OperatorCommand::ResetTwoFactor(args) } => reset_two_factor(args).await,
        Command::ApiClient { command: ApiClientCommand::Create(args) } => create_api_client(args).await,
        Command::SeedDemo(args) => seed_demo(args).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The service over the configured database and document store.
async fn open_backend(db: &server::cli::DatabaseArgs, sessions: SessionSettings) -> anyhow::Result<Backend> {
    let backend = Backend::connect(&db.database_url, sessions).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(match db.documents_url.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(url) => backend.with_documents(
            backend::documents::store::DocumentStore::from_url(url).map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
        None => backend,
    })
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let sessions = SessionSettings {
        idle_timeout: Duration::from_secs(args.session_idle_minutes * 60),
        absolute_timeout: Duration::from_secs(args.session_absolute_hours * 3600),
        api_token_lifetime: Duration::from_secs(args.api_token_seconds),
    };
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{}", args.addr));
    if let Some(refusal) = server::cli::plain_http_refusal(&args.addr, &public_url, args.behind_tls) {
        anyhow::bail!(refusal);
    }
    let mail = MailSettings {
        smtp_url: args.smtp_url.clone().filter(|u| !u.trim().is_empty()),
        from: args.mail_from.clone(),
        public_url: public_url.clone(),
    };
    let backend = open_backend(&args.db, sessions)
        .await
        .context("cannot open the database")?
        .with_mail(mail)
        .with_rate_limits(&args.limits.settings());
    let client_ip_header = match args.limits.client_ip_header.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        Some(name) => {
            Some(axum::http::HeaderName::try_from(name).with_context(|| format!("{name:?} is not a header name"))?)
        }
        None => None,
    };
    tokio::spawn(backend.clone().run_mail_worker());
    tokio::spawn(backend.clone().run_sweeper(Duration::from_secs(args.sweep_minutes * 60)));
    let window = backend::money::payouts::PayoutWindow(Duration::from_secs(args.payout_cancel_window_seconds));
    tokio::spawn(backend.clone().run_payout_executor(window));
    // Bulk Cards jobs cut short by a stop go on where they were.
    backend.resume_bulk_jobs().await?;
    if let Some((username, password)) = backend.ensure_initial_administrator(&args.initial_admin).await? {
        // Shown once, on the terminal of whoever started the server; never logged.
        println!("Created the first Administrator.");
        println!("  username: {username}");
        println!("  password: {password}");
        println!("Keep this password now: it is not stored anywhere in clear.");
    }
    let state = AppState {
        backend,
        cookie: SessionCookie { secure: public_url.starts_with("https://") },
        dist: Arc::new(args.dist.clone()),
        // Only a public URL given explicitly pins the Host (the default one is just the
        // listen address, which may be reached by several names).
        public_host: args.public_url.as_deref().and_then(server::security::authority_of),
        client_ip_header,
    };
    if !args.dist.join("index.html").exists() {
        tracing::warn!(dist = %args.dist.display(), "no index.html in the dist folder: build the front end with scripts/front.sh");
    } else {
        // Compressed beside the files once per build, off the start-up path: until the twins
        // are written, the files go out as they are.
        let dist = args.dist.clone();
        tokio::task::spawn_blocking(move || match server::assets::precompress(&dist) {
            Ok(done) => tracing::info!(written = done.written, fresh = done.fresh, "front end precompressed"),
            Err(e) => tracing::warn!(error = %e, "cannot precompress the front end: it is served uncompressed"),
        });
    }
    let listener =
        tokio::net::TcpListener::bind(&args.addr).await.with_context(|| format!("cannot listen on {}", args.addr))?;
    println!("Dashboard listening on http://{}", listener.local_addr()?);
    axum::serve(listener, http::router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

async fn create_operator(args: CreateOperatorArgs) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).context("cannot read the password from standard input")?;
    let password = password.trim_end_matches(['\n', '\r']).to_string();
    let backend = open_backend(&args.db, SessionSettings::default()).await.context("cannot open the database")?;
    let form = OperatorForm {
        username: args.username,
        role: Some(args.role),
        password: password.into(),
        saml_key: String::new(),
    };
    match backend.create_operator(&Actor::System, &RequestMeta::local(), form).await {
        Ok(op) => {
            println!("Created operator {} (id {}) with role {}.", op.username, op.id, op.role.as_str());
            Ok(())
        }
        Err(e) if !e.is_internal() => anyhow::bail!("{e}"),
        Err(e) => Err(anyhow::Error::new(e).context("could not create the operator")),
    }
}

/// The database of `args` and the operator it names.
async fn named_operator(args: &UnblockOperatorArgs) -> anyhow::Result<(Backend, shared::dto::OperatorSummary)> {
    let backend = open_backend(&args.db, SessionSettings::default()).await.context("cannot open the database")?;
    let operators = backend.list_operators(&Actor::System).await.context("cannot list the operators")?;
    let Some(operator) = operators.into_iter().find(|o| o.username.eq_ignore_ascii_case(args.username.trim())) else {
        anyhow::bail!("No operator is named {}.", args.username.trim());
    };
    Ok((backend, operator))
}

async fn reset_two_factor(args: UnblockOperatorArgs) -> anyhow::Result<()> {
    let (backend, operator) = named_operator(&args).await?;
    match backend.reset_operator_two_factor(&Actor::System, &RequestMeta::local(), operator.id).await {
        Ok(()) => {
            println!("Two-factor authentication removed for {} (id {}).", operator.username, operator.id);
            Ok(())
        }
        Err(e) if !e.is_internal() => anyhow::bail!("{e}"),
        Err(e) => Err(anyhow::Error::new(e).context("could not reset two-factor authentication")),
    }
}

async fn unblock_operator(args: UnblockOperatorArgs) -> anyhow::Result<()> {
    let (backend, operator) = named_operator(&args).await?;
    match backend.unblock_operator(&Actor::System, &RequestMeta::local(), operator.id).await {
        Ok(op) => {
            println!("Unblocked operator {} (id {}).", op.username, op.id);
            Ok(())
        }
        Err(e) if !e.is_internal() => anyhow::bail!("{e}"),
        Err(e) => Err(anyhow::Error::new(e).context("could not unblock the operator")),
    }
}

async fn create_api_client(args: CreateApiClientArgs) -> anyhow::Result<()> {
    let scopes = backend::oauth::parse_scopes(&args.scopes).map_err(|e| anyhow::anyhow!("{e}"))?;
    let backend = open_backend(&args.db, SessionSettings::default()).await.context("cannot open the database")?;
    match backend.create_api_client(&Actor::System, &RequestMeta::local(), &args.name, &scopes).await {
        Ok(client) => {
            println!("client_id={}", client.client_id);
            println!("client_secret={}", client.client_secret);
            Ok(())
        }
        Err(e) if !e.is_internal() => anyhow::bail!("{e}"),
        Err(e) => Err(anyhow::Error::new(e).context("could not create the API client")),
    }
}

async fn seed_demo(args: SeedDemoArgs) -> anyhow::Result<()> {
    let backend = open_backend(&args.db, SessionSettings::default()).await.context("cannot open the database")?;
    let step = (args.users / 10).max(1);
    let report = backend
        .seed_demo(args.users, |done| {
            if done % step == 0 || done == args.users {
                eprintln!("  {done} / {} users", args.users);
            }
        })
        .await
        .map_err(|e| anyhow::anyhow!("seeding failed: {e}"))?;
    println!("Seeded {} demo users in {:.1} s.", report.users, report.seconds);
    Ok(())
}
