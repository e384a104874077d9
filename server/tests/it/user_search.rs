//! Searching end users at scale (issue 12): totals counted up to a cap, keyset pages that
//! neither skip nor repeat a user while users are added between two pages, and name search
//! ranked exact, then prefix, then substring, through the REST API and the dashboard.

use app::error::AppError;
use backend::{Actor, RequestMeta};
use reqwest::Method;
use serde_json::{Value, json};
use shared::domain::EndUser;
use shared::dto::{Keyset, KeysetPage, Total, UserList};
use shared::{Role, Scope};

use crate::harness::{Flavor, TestApp, spawn_app};

crate::on_both_databases!(
    totals_are_exact_up_to_the_cap_then_say_more,
    keyset_pages_skip_and_repeat_nobody_while_users_are_added,
    name_search_ranks_exact_then_prefix_then_substring,
    more_matches_by_value_than_the_cap_leave_substrings_out,
    a_bulk_seed_builds_every_index_and_trigger_again,
    a_control_character_in_a_search_term_is_a_400_naming_it,
);

async fn add_user(app: &TestApp, fields: Value) -> i64 {
    let mut input = json!({"userTypeId": 1, "specifiedUSPerson": 0});
    for (k, v) in fields.as_object().unwrap() {
        input[k] = v.clone();
    }
    app.backend.create_user(&Actor::System, &RequestMeta::local(), input.as_object().unwrap().clone()).await.unwrap().id
}

/// `GET /v1/users?{query}`: the ids, and `totalRows` / `totalRowsCapped` of the first user.
async fn rest_search(app: &TestApp, token: &str, query: &str) -> (Vec<i64>, Option<(i64, bool)>) {
    let (status, body) = app.rest(Method::GET, &format!("/v1/users?{query}"), token, None).await;
    assert_eq!(status, 200, "{query}: {body}");
    let users = body["users"].as_array().unwrap();
    let total = users.first().map(|u| (u["totalRows"].as_i64().unwrap(), u["totalRowsCapped"].as_bool().unwrap()));
    (users.iter().map(|u| u["userId"].as_i64().unwrap()).collect(), total)
}

async fn totals_are_exact_up_to_the_cap_then_say_more(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.backend.seed_demo(1_100, |_| {}).await.unwrap();
    let t = app.bearer(&[Scope::ReadOnly]).await;
    let count = |sql: &'static str| {
        let pool = app.backend.db.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };

    // More than the cap: the cap, and the flag.
    let (page, total) = rest_search(&app, &t, "pageCount=20").await;
    assert_eq!((page.len(), total), (20, Some((1_000, true))));
    // Under the cap: exact, whatever the filter.
    let businesses = count("SELECT COUNT(*) FROM end_users WHERE user_type_id = 2").await;
    assert!(businesses < 1_000);
    assert_eq!(rest_search(&app, &t, "userTypeId=2").await.1, Some((businesses, false)));
    let validated_ngos =
        count("SELECT COUNT(*) FROM end_users WHERE user_type_id = 3 AND user_status = 'VALIDATED'").await;
    assert_eq!(rest_search(&app, &t, "userTypeId=3&userStatus=VALIDATED").await.1, Some((validated_ngos, false)));
    // Exactly at the cap is still exact.
    let thousandth: String =
        sqlx::query_scalar("SELECT created_date FROM end_users ORDER BY created_date, id LIMIT 1 OFFSET 999")
            .fetch_one(&app.backend.db.pool)
            .await
            .unwrap();
    let before_or_at = count_before(&app, &thousandth).await;
    assert_eq!(before_or_at, 1_000, "created dates are distinct in the demo");
    // `YYYY-MM-DD HH:MM:SS`, as the API takes it.
    let to = thousandth[..19].replace('T', " ");
    assert_eq!(rest_search(&app, &t, &format!("createdDateTo={to}")).await.1, Some((1_000, false)));
    // Deep pages still answer by pageNumber, beyond the counted total.
    let (deep, _) = rest_search(&app, &t, "pageCount=100&pageNumber=11&sortBy=userId&sortOrder=ASC").await;
    let expected: Vec<i64> = sqlx::query_scalar("SELECT id FROM end_users ORDER BY id LIMIT 100 OFFSET 1000")
        .fetch_all(&app.backend.db.pool)
        .await
        .unwrap();
    assert_eq!(deep, expected);

    // A name search matching more than its cap: its 200 best, and "more".
    let (_, named) = rest_search(&app, &t, "name=example").await;
    assert_eq!(named, Some((200, true)));
    let (last, _) = rest_search(&app, &t, "name=example&pageCount=50&pageNumber=4").await;
    assert_eq!(last.len(), 50);
    let (beyond, total) = rest_search(&app, &t, "name=example&pageCount=50&pageNumber=5").await;
    assert!(beyond.is_empty() && total.is_none(), "a name search answers its best 200: {beyond:?}");

    // The dashboard says "more than 1000".
    let (b, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;
    let page: KeysetPage<EndUser> =
        app.call(&b, "users/search", json!({"params": [["pageCount", "20"]]})).await.unwrap();
    assert_eq!(page.total, Total { count: 1_000, more: true });
    assert_eq!(page.total.to_string(), "more than 1000");
    let found: UserList = app
        .call(
            &b,
            "users/lookup",
            json!({"lookup": {"user_id": "", "user_tag": "", "email": "", "name": "example",
                                                     "card": "", "wallet": ""}}),
        )
        .await
        .unwrap();
    assert_eq!((found.users.len(), found.total), (50, Total { count: 200, more: true }));
}

async fn count_before(app: &TestApp, instant: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM end_users WHERE created_date <= $1")
        .bind(instant)
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap()
}

async fn keyset_pages_skip_and_repeat_nobody_while_users_are_added(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.backend.seed_demo(45, |_| {}).await.unwrap();
    let (b, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;
    let search = |params: Vec<(&str, String)>| {
        let params: Vec<(String, String)> = params.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let (app, b) = (&app, &b);
        async move {
            let page: KeysetPage<EndUser> = app.call(b, "users/search", json!({ "params": params })).await.unwrap();
            page
        }
    };
    let param = |at: &Keyset| match at {
        Keyset::Before(c) => vec![("before", c.to_param())],
        Keyset::After(c) => vec![("after", c.to_param())],
        Keyset::First => vec![],
    };
    for (sort, order) in [("createdDate", "DESC"), ("userId", "ASC"), ("createdDate", "ASC")] {
        let mut before: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM end_users").fetch_all(&app.backend.db.pool).await.unwrap();
        let base = vec![("sortBy", sort.to_string()), ("sortOrder", order.to_string()), ("pageCount", "7".to_string())];
        let (mut seen, mut pages, mut at) = (Vec::new(), Vec::new(), Keyset::First);
        loop {
            let page = search([base.clone(), param(&at)].concat()).await;
            seen.extend(page.items.iter().map(|u| u.id));
            pages.push((at.clone(), page.items.iter().map(|u| u.id).collect::<Vec<_>>()));
            // Someone adds a user between two pages: newer than every row (and with a
            // higher id), so it belongs before the pages already read.
            add_user(
                &app,
                json!({"email": format!("late.{}.{sort}{order}@example.com", seen.len()),
                                  "firstname": "Late", "lastname": "Comer"}),
            )
            .await;
            match page.older {
                Some(next) => at = next,
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{sort} {order}: no user twice: {seen:?}");
        if order == "DESC" {
            // Newest first: exactly the users there were at the start (the new ones are above).
            before.sort_by(|a, b| b.cmp(a));
            assert_eq!(seen, before, "{sort} {order}");
        } else {
            // Oldest first: the users of the start, then those added meanwhile (below).
            before.sort();
            assert_eq!(&seen[..before.len()], &before[..], "{sort} {order}");
        }
        // Previous from the second page shows the 7 rows just before it: the first page
        // (users were added at the top or the bottom, never between).
        let back = search([base.clone(), param(&pages[1].0)].concat()).await;
        let Some(previous) = back.newer else { panic!("the second page has a previous one") };
        let first_again = search([base.clone(), param(&previous)].concat()).await;
        assert_eq!(first_again.items.iter().map(|u| u.id).collect::<Vec<_>>(), pages[0].1, "{sort} {order}");
    }
    // A cursor of another kind is a 400 naming it, not a 500.
    let refused: Result<KeysetPage<EndUser>, AppError> =
        app.call(&b, "users/search", json!({"params": [["sortBy", "createdDate"], ["before", "12"]]})).await;
    assert!(matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "cursor"), "{refused:?}");
}

async fn name_search_ranks_exact_then_prefix_then_substring(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&[Scope::ReadOnly]).await;
    // Created worst first, so that neither creation order nor id explains the ranking.
    let omar = add_user(&app, json!({"email": "o.k@example.com", "firstname": "Omar", "lastname": "Khayyam"})).await;
    let lamarck = add_user(&app, json!({"email": "jb@example.com", "firstname": "Jean", "lastname": "Lamarck"})).await;
    let marcel = add_user(&app, json!({"email": "mp@example.com", "firstname": "Marcel", "lastname": "Proust"})).await;
    let mara = add_user(&app, json!({"email": "mr@example.com", "firstname": "Mara", "lastname": "Rossi"})).await;
    let marseille = add_user(
        &app,
        json!({"userTypeId": 2, "email": "contact@olympique.example.org", "legalName": "Mar Marseille SA"}),
    )
    .await;
    let mar_old = add_user(&app, json!({"email": "ms@example.com", "firstname": "Mar", "lastname": "Soler"})).await;
    let mar_new = add_user(&app, json!({"email": "mg@example.com", "firstname": "MAR", "lastname": "Garcia"})).await;
    let by_email = add_user(&app, json!({"email": "mar@example.com", "firstname": "Zed", "lastname": "Zed"})).await;
    let _other = add_user(&app, json!({"email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace"})).await;

    let (ranked, total) = rest_search(&app, &t, "name=mar").await;
    // Exact (newest first): the email "mar@..." is not "mar", so by_email is a prefix.
    // Prefix, alphabetically by the value that starts with the term: "mar garcia"/"mar
    // soler" are exact already; "mar marseille sa", "mar@example.com", "mara", "marcel".
    // Substring, newest first: Lamarck, Omar.
    assert_eq!(ranked, vec![mar_new, mar_old, marseille, by_email, mara, marcel, lamarck, omar], "{ranked:?}");
    assert_eq!(total, Some((8, false)));
    // The same in pages: no one twice, no one left out.
    let (p1, _) = rest_search(&app, &t, "name=mar&pageCount=3&pageNumber=1").await;
    let (p2, _) = rest_search(&app, &t, "name=mar&pageCount=3&pageNumber=2").await;
    let (p3, _) = rest_search(&app, &t, "name=mar&pageCount=3&pageNumber=3").await;
    assert_eq!([p1, p2, p3].concat(), ranked);
    // Other filters narrow the ranked matches; a full name is a value of its own.
    assert_eq!(rest_search(&app, &t, "name=mar&userTypeId=2").await.0, vec![marseille]);
    assert_eq!(rest_search(&app, &t, "name=marcel proust").await.0, vec![marcel]);
    assert_eq!(rest_search(&app, &t, "name=mar%20so").await.0, vec![mar_old], "a full name's prefix");
    // legalName alone ranks on the legal name only.
    assert_eq!(rest_search(&app, &t, "legalName=marseille").await.0, vec![marseille]);
    assert_eq!(rest_search(&app, &t, "legalName=omar").await.0, Vec::<i64>::new());
    // No match at all: nothing, and an exact zero.
    assert_eq!(rest_search(&app, &t, "name=xyzq").await, (vec![], None));
    // A name search pages by number: a cursor beside it is refused, not ignored.
    let (status, _) = app.rest(Method::GET, "/v1/users?name=mar&before=5", &t, None).await;
    assert_eq!(status, 400);

    // The toolbar shows the same order.
    let (b, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;
    let found: UserList = app
        .call(
            &b,
            "users/lookup",
            json!({"lookup": {"user_id": "", "user_tag": "", "email": "", "name": "MAR",
                                                     "card": "", "wallet": ""}}),
        )
        .await
        .unwrap();
    assert_eq!(found.users.iter().map(|u| u.id).collect::<Vec<_>>(), ranked);
    assert_eq!(found.total, Total { count: 8, more: false });
}

/// More users equal to the term than the cap: the best 200 are theirs, newest first, and a
/// user who merely contains the term (newer than all of them) is not among them, on any page.
async fn more_matches_by_value_than_the_cap_leave_substrings_out(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let mut zorbas = Vec::new();
    for i in 0..205 {
        zorbas.push(
            add_user(&app, json!({"email": format!("z{i}@example.com"), "firstname": "Zorba", "lastname": "Quill"}))
                .await,
        );
    }
    let inside =
        add_user(&app, json!({"email": "inside@example.com", "firstname": "Anzorbal", "lastname": "Quill"})).await;
    let t = app.bearer(&[Scope::ReadOnly]).await;
    let mut found = Vec::new();
    for page in 1..=5 {
        let (ids, total) = rest_search(&app, &t, &format!("name=zorba&pageCount=50&pageNumber={page}")).await;
        if page < 5 {
            assert_eq!((ids.len(), total), (50, Some((200, true))), "page {page}");
        } else {
            assert!(ids.is_empty(), "nothing past the best 200: {ids:?}");
        }
        found.extend(ids);
    }
    zorbas.reverse();
    assert_eq!(found, zorbas[..200].to_vec(), "the 200 newest equal first names, in order");
    assert!(!found.contains(&inside));
    // Fewer by value than the cap: the substring matches are ranked in (the second step).
    assert_eq!(rest_search(&app, &t, "name=nzorb").await, (vec![inside], Some((1, false))));
    let (ids, total) = rest_search(&app, &t, "name=zorbal&pageCount=200").await;
    assert_eq!((ids, total), (vec![inside], Some((1, false))));
}

/// Every index, trigger and (on Postgres) foreign key, by name, with its definition.
async fn catalog(app: &TestApp) -> Vec<(String, String)> {
    let sql = match app.backend.db.kind {
        backend::DbKind::Sqlite => {
            "SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name"
        }
        backend::DbKind::Postgres => {
            "SELECT indexname::text, indexdef::text FROM pg_indexes WHERE schemaname = 'public' \
             UNION ALL SELECT tgname::text, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal \
             UNION ALL SELECT conrelid::regclass::text || '.' || conname::text, pg_get_constraintdef(oid) \
             FROM pg_constraint WHERE contype = 'f' ORDER BY 1"
        }
    };
    sqlx::query_as(sql).fetch_all(&app.backend.db.pool).await.unwrap()
}

async fn a_bulk_seed_builds_every_index_and_trigger_again(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let before = catalog(&app).await;
    app.backend.seed_demo_with(400, backend::demo::IndexUpkeep::AfterLoad, |_| {}).await.unwrap();
    assert_eq!(
        catalog(&app).await,
        before,
        "the same indexes, triggers and foreign keys, as the migrations define them"
    );
    // The foreign keys check again: the same row is refused for a user who does not exist,
    // and taken for one who does.
    let beneficiary_of = |user_id: i64| {
        let pool = app.backend.db.pool.clone();
        async move {
            sqlx::query(
                "INSERT INTO beneficiaries (user_id, name, iban, bic, usage_count, created_date, modified_date) \
                 VALUES ($1, 'Landlord', 'FR7630006000011234567890189', 'AGRIFRPPXXX', 0, '2024-01-01', '2024-01-01')",
            )
            .bind(user_id)
            .execute(&pool)
            .await
        }
    };
    let refused = beneficiary_of(999_999_999).await.expect_err("a beneficiary of no user is refused");
    assert!(refused.to_string().to_lowercase().contains("foreign key"), "{refused}");
    let any_user: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM end_users").fetch_one(&app.backend.db.pool).await.unwrap();
    beneficiary_of(any_user).await.expect("a beneficiary of a seeded user is taken");
    let t = app.bearer(&[Scope::ReadOnly]).await;
    // The name index holds the bulk-loaded users (SQLite's FTS table is rebuilt)...
    let lovelaces: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM end_users WHERE lastname = 'Lovelace'")
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap();
    assert!(lovelaces > 0);
    assert_eq!(rest_search(&app, &t, "name=lovelace&pageCount=200").await.1, Some((lovelaces, false)));
    // ...and follows the users added afterwards, one by one (the triggers are back).
    let late = add_user(&app, json!({"email": "late@example.com", "firstname": "Zenobia", "lastname": "Quartz"})).await;
    assert_eq!(rest_search(&app, &t, "name=zenobi").await.0, vec![late]);
    assert_eq!(rest_search(&app, &t, "name=uartz").await.0, vec![late]);
    // The seeded money still adds up.
    let ledger = app.backend.verify_ledger().await.unwrap();
    assert!(ledger.is_sound(), "{ledger:?}");
}

/// A NUL (or any control character) is in no stored value, and FTS5 and Postgres refuse it in
/// a query: the search answers a 400 naming the parameter, never a 500 (fuzzing found one).
async fn a_control_character_in_a_search_term_is_a_400_naming_it(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&[Scope::ReadOnly]).await;
    let ada = add_user(
        &app,
        json!({"email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace", "userTag": "vip"}),
    )
    .await;
    for (param, value) in [
        ("name", "%C3%AB%00%C2%BFr%C3%92v"),
        ("name", "ad%00a"),
        ("legalName", "acme%01sa"),
        ("email", "ada%00%40example.com"),
        ("userTag", "v%01ip"),
        ("sortBy", "userId%00"),
        ("createdDateFrom", "2024-01-01%00"),
    ] {
        let (status, body) = app.rest(Method::GET, &format!("/v1/users?{param}={value}"), &t, None).await;
        assert_eq!(status, 400, "{param}={value}: {body}");
        assert!(body.to_string().contains(param), "{param}={value}: {body}");
    }
    // A term without one still finds its user; spaces and tabs around it are trimmed.
    assert_eq!(rest_search(&app, &t, "name=%20ada%09").await.0, vec![ada]);
    assert_eq!(rest_search(&app, &t, "userTag=vip").await.0, vec![ada]);

    let (b, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;
    for (field, lookup) in [
        ("name", json!({"user_id": "", "user_tag": "", "email": "", "name": "ad\u{0}a", "card": "", "wallet": ""})),
        (
            "email",
            json!({"user_id": "", "user_tag": "", "email": "a\u{7}@x.org", "name": "", "card": "", "wallet": ""}),
        ),
        ("user_tag", json!({"user_id": "", "user_tag": "v\u{0}", "email": "", "name": "", "card": "", "wallet": ""})),
    ] {
        let refused: Result<UserList, AppError> = app.call(&b, "users/lookup", json!({"lookup": lookup})).await;
        assert!(matches!(&refused, Err(AppError::Invalid { field: f, .. }) if f == field), "{field}: {refused:?}");
        if field == "user_tag" {
            let message = format!("{refused:?}");
            assert!(message.contains("User Tag must not contain control characters"), "{message}");
        }
    }
    // A card's public token no card can have: nobody, as for any unknown card.
    let lookup = json!({"user_id": "", "user_tag": "", "email": "", "name": "", "card": "t\u{0}k", "wallet": ""});
    let found: UserList = app.call(&b, "users/lookup", json!({"lookup": lookup})).await.unwrap();
    assert!(found.users.is_empty());
}

/// A page's users are read by a statement naming their ids: one statement per page, which
/// must not stay prepared on the connection (sqlx keeps a hundred per connection: at eight
/// SQLite connections they held ~60 MB). Postgres shows a connection's prepared statements.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_statements_naming_a_pages_ids_are_not_kept_prepared() {
    let app = spawn_app(Flavor::Postgres).await;
    let t = app.bearer(&[Scope::ReadOnly]).await;
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(add_user(&app, json!({"email": format!("kept{i}@example.com")})).await);
    }
    for id in &ids {
        assert_eq!(rest_search(&app, &t, &format!("userId={id}")).await.0, vec![*id]);
    }
    let mut held = Vec::new();
    let (mut kept, mut naming_ids) = (0, 0);
    while let Some(mut conn) = app.backend.db.pool.try_acquire() {
        let count = |pattern: &'static str| {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE $1")
                .bind(pattern)
        };
        kept += count("%FROM end_users u %").fetch_one(&mut *conn).await.unwrap();
        naming_ids += count("%FROM end_users WHERE id IN (%").fetch_one(&mut *conn).await.unwrap();
        held.push(conn);
    }
    assert!(
        !held.is_empty() && kept > 0,
        "the search's other statements are kept: {kept} on {} connections",
        held.len()
    );
    assert_eq!(naming_ids, 0);
}
