import { test, expect, type Page } from "@playwright/test";
import { admin, addOperator, linkIn, logIn, search, uniqueEmail, waitForEmail } from "./helpers";

// Runs against a server seeded by scripts/test.sh (`server seed-demo --users 300`), whose
// emails go to a real SMTP server on loopback (end2end/smtp_sink.py).

const NEW_PASSWORD = "a brand new pass phrase";

async function asAdmin(page: Page, path = "/users") {
  await page.goto(path);
  await logIn(page, admin.username, admin.password);
}

/** The board of the active user (below the user tabs). */
function board(page: Page) {
  return page.locator("#user-board");
}

async function openUser(page: Page, id: number) {
  await search(page, { "User Id": String(id) });
  await expect(page).toHaveURL(/\/profiles$/);
  await expect(board(page).getByRole("heading", { level: 2 })).toContainText(`#${id}`);
}

async function innerTab(page: Page, name: string) {
  await board(page).getByRole("tab", { name, exact: true }).click();
}

/** Ids of the rows of the users table, in order. */
async function rowIds(page: Page): Promise<number[]> {
  const ids = await page.locator("table[aria-label='Users'] tbody tr").evaluateAll((rows) =>
    rows.map((r) => Number(r.getAttribute("data-user-id"))),
  );
  return ids;
}

test("the toolbar finds users by id, email, name, tag, card and wallet", async ({ page }) => {
  await asAdmin(page);
  await openUser(page, 10);
  const email = (await board(page).locator("dt:text-is('Email') + dd").textContent())!.trim();

  // Card and wallet of user 10 (seeded: every even user has a card).
  await innerTab(page, "Cards");
  const cardRow = board(page).locator("table[aria-label='Cards'] tbody tr").first();
  const cardId = (await cardRow.locator("td").nth(0).textContent())!.trim();
  const publicToken = (await cardRow.locator("td").nth(3).textContent())!.trim();
  await innerTab(page, "Wallets");
  const walletId = (await board(page).locator("table[aria-label='Wallets'] tbody tr td").first().textContent())!.trim();

  for (const fields of [{ Email: email.toUpperCase() }, { Card: cardId }, { Card: publicToken }, { Wallet: walletId }]) {
    await page.goto("/users");
    await search(page, fields);
    await expect(page).toHaveURL(/\/profiles$/);
    await expect(board(page).getByRole("heading", { level: 2 })).toContainText("#10");
  }

  // Several matches: a result list (in the URL); a row opens the profile.
  await search(page, { Name: "martin" });
  await expect(page).toHaveURL(/\/search\?name=martin/);
  await expect(page.getByTestId("result-count")).toContainText("users match");
  await page.reload();
  await expect(page.getByTestId("result-count")).toContainText("users match");
  const first = (await rowIds(page))[0];
  await page.locator(`tr[data-user-id="${first}"]`).click();
  await expect(board(page).getByRole("heading", { level: 2 })).toContainText(`#${first}`);

  await search(page, { "User Tag": "vip" });
  await expect(page.locator("table[aria-label='Users'] tbody tr").first()).toBeVisible();

  await search(page, { Email: "nobody-at-all@nowhere.test" });
  await expect(page.locator(".notice")).toContainText("No user matches this search.");
});

test("All Users filters, clears, sorts and pages, all in the URL", async ({ page }) => {
  await asAdmin(page, "/users");
  // 300 demo users, and those the specs before this one created (ids follow on).
  const pager = page.getByTestId("pager-status");
  // Fewer than the cap (1,000), so the total is exact.
  await expect(pager).toHaveText(/^3\d\d users$/);
  const total = Number((await pager.textContent())!.match(/(\d+) users/)![1]);

  await page.getByLabel("User type").selectOption({ label: "Business" });
  await expect(page).toHaveURL(/userTypeId=2/);
  await expect(page.locator("table[aria-label='Users'] tbody tr").first()).toContainText("Business");
  await expect(page.locator("table[aria-label='Users'] tbody td:nth-child(4)").filter({ hasNotText: "Business" })).toHaveCount(0);
  await page.getByLabel("User status").selectOption({ label: "Canceled" });
  await expect(page).toHaveURL(/userStatus=CANCELED/);
  await page.reload();
  await expect(page.getByLabel("User type")).toHaveValue("2");
  await expect(page.getByLabel("User status")).toHaveValue("CANCELED");
  await expect(page.locator("table[aria-label='Users'] tbody td:nth-child(5)").filter({ hasNotText: "Canceled" })).toHaveCount(0);

  await page.getByLabel("Created from").fill("2999-01-01");
  await page.getByLabel("Created from").dispatchEvent("change");
  await expect(page.getByText("No user matches these filters.")).toBeVisible();

  await page.getByRole("button", { name: "Clear" }).click();
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByTestId("pager-status")).toHaveText(`${total} users`);
  await expect(page.getByRole("button", { name: "Previous" })).toBeDisabled();

  // Sort by id, both ways.
  await page.getByRole("button", { name: /^Id/ }).click();
  await expect(page).toHaveURL(/sortBy=userId&sortOrder=DESC/);
  await expect.poll(async () => (await rowIds(page))[0]).toBe(total);
  await page.getByRole("button", { name: /^Id/ }).click();
  await expect(page).toHaveURL(/sortOrder=ASC/);
  await expect.poll(async () => (await rowIds(page)).slice(0, 3)).toEqual([1, 2, 3]);

  // Keyset pages: the cursor is in the URL, so a reload shows the same page.
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(/before=20(&|$)/);
  await expect.poll(async () => (await rowIds(page))[0]).toBe(21);
  await page.reload();
  await expect.poll(async () => (await rowIds(page))[0]).toBe(21);
  await page.getByRole("button", { name: "Previous" }).click();
  await expect(page).toHaveURL(/after=21/);
  await expect.poll(async () => (await rowIds(page)).slice(0, 2)).toEqual([1, 2]);
  await expect(page.getByRole("button", { name: "Previous" })).toBeDisabled();
  await page.getByLabel("Rows per page").selectOption("50");
  await expect(page).not.toHaveURL(/after=/);
  await page.reload();
  await expect.poll(async () => (await rowIds(page)).length).toBe(50);

  // A row opens the user in the Profile Boards.
  await page.locator('tr[data-user-id="7"]').click();
  await expect(page).toHaveURL(/\/profiles$/);
  await expect(board(page).getByRole("heading", { level: 2 })).toContainText("#7");
});

test("two users open as two tabs, each with its seeded data", async ({ page }) => {
  await asAdmin(page, "/profiles");
  await expect(page.getByText("No user is open.")).toBeVisible();
  await openUser(page, 10);
  await openUser(page, 39);
  const tabs = page.getByRole("tablist", { name: "Open users" }).getByRole("tab");
  await expect(tabs).toHaveCount(2);

  // User 39 has user 40 as employee.
  await innerTab(page, "Children Users");
  await expect(board(page).locator(".tree")).toContainText("#40");
  await expect(board(page).locator(".tree")).toContainText("employee");
  await board(page).getByRole("button", { name: /#40/ }).click();
  await expect(tabs).toHaveCount(3);
  await expect(board(page).getByRole("heading", { level: 2 })).toContainText("#40");

  // Back to user 10: profile, wallets, cards and beneficiaries.
  await page.getByRole("tab", { name: /#10/ }).click();
  await expect(board(page).getByRole("heading", { level: 2 })).toContainText("#10");
  await expect(board(page).getByText("Financial data")).toBeVisible();
  await expect(board(page).locator("dt:text-is('Total balance') + dd")).toContainText("EUR");
  await innerTab(page, "Wallets");
  await expect(board(page).locator("table[aria-label='Wallets'] tbody tr")).toHaveCount(1);
  await innerTab(page, "Cards");
  await expect(board(page).locator("table[aria-label='Cards']")).toContainText("**");
  await innerTab(page, "Beneficiaries");
  await expect(board(page).locator("table[aria-label='Beneficiaries']")).toContainText("Landlord");
  await innerTab(page, "KYC");
  await expect(board(page).getByText("KYC level")).toBeVisible();

  // Opening an open user focuses its tab; a tab closes.
  await openUser(page, 39);
  await expect(tabs).toHaveCount(3);
  await page.getByRole("button", { name: /Close .*#39/ }).click();
  await expect(tabs).toHaveCount(2);
});

/** The first Pending user whose id matches `wanted`, from All Users. */
async function pendingUser(page: Page, wanted: (id: number) => boolean): Promise<number> {
  await page.goto("/users?userStatus=PENDING&sortBy=userId&sortOrder=ASC&pageCount=100");
  await expect(page.locator("table[aria-label='Users'] tbody tr").first()).toBeVisible();
  const id = (await rowIds(page)).find(wanted);
  if (!id) throw new Error("no such pending user in the demo data");
  return id;
}

test("edit, tax residences, forgot password and deactivation on a profile", async ({ page }) => {
  await asAdmin(page);
  // Seeded wallets are empty exactly for users whose id is a multiple of 3.
  const funded = await pendingUser(page, (id) => id % 3 !== 0);
  const empty = await pendingUser(page, (id) => id % 3 === 0 && id !== funded);

  await openUser(page, funded);
  // Edit: a bad country is refused on the field, in the browser; a good one is saved.
  await board(page).getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("dialog", { name: "Edit user information" });
  await edit.getByLabel("Country", { exact: true }).fill("XX");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit.locator("#user-field-country-error")).toContainText("ISO 3166-1");
  await edit.getByLabel("Country", { exact: true }).fill("PT");
  await edit.getByLabel("City", { exact: true }).fill("Lisboa");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toBeHidden();
  await expect(page.locator(".notice")).toContainText(`User #${funded} was updated.`);
  await expect(board(page).locator("dt:text-is('Address') + dd")).toContainText("Lisboa");

  // Tax residences: a US residence needs a TIN.
  await board(page).getByRole("button", { name: "More" }).click();
  await page.getByRole("menuitem", { name: "Edit tax residences" }).click();
  const tax = page.getByRole("dialog", { name: "Tax residences" });
  const existingUs = tax.getByRole("button", { name: "Remove US" });
  if (await existingUs.count()) await existingUs.click();
  await tax.getByRole("button", { name: "Add Tax Residence" }).click();
  await tax.getByLabel("Country", { exact: true }).fill("US");
  await tax.getByRole("button", { name: "Add", exact: true }).click();
  await expect(tax.getByRole("alert")).toContainText("mandatory for a US tax residence");
  await tax.getByLabel("Tax Identification Number", { exact: true }).fill("123-45-6789");
  await tax.getByRole("button", { name: "Add", exact: true }).click();
  await tax.getByRole("button", { name: "Save Changes" }).click();
  await expect(tax).toBeHidden();
  await expect(board(page).getByTestId("tax-residences")).toContainText("US — TIN 123-45-6789");
  // A filled add row goes with Save Changes (it used to be dropped silently), and a TIN is
  // edited in place.
  await board(page).getByRole("button", { name: "More" }).click();
  await page.getByRole("menuitem", { name: "Edit tax residences" }).click();
  await tax.getByRole("button", { name: "Add Tax Residence" }).click();
  await tax.getByLabel("Country", { exact: true }).fill("IS");
  await tax.getByLabel("Tax Identification Number for US").fill("987-65-4321");
  await tax.getByRole("button", { name: "Save Changes" }).click();
  await expect(tax).toBeHidden();
  await expect(board(page).getByTestId("tax-residences")).toContainText("US — TIN 987-65-4321");
  await expect(board(page).getByTestId("tax-residences")).toContainText("IS — no TIN (liability waiver)");

  // Deactivation is refused while a wallet holds money.
  await board(page).getByRole("button", { name: "Deactivate user" }).click();
  let confirm = page.getByRole("dialog", { name: "Deactivate user" });
  await expect(confirm).toContainText("irreversible");
  await confirm.getByRole("button", { name: "Deactivate", exact: true }).click();
  await expect(confirm.getByRole("alert")).toContainText("a wallet balance is not 0");
  await confirm.getByRole("button", { name: "Cancel" }).click();

  // Send forgot password: the popup names the address; the email's link sets a password.
  const email = (await board(page).locator("dt:text-is('Email') + dd").textContent())!.trim();
  await board(page).getByRole("button", { name: "Send forgot password" }).click();
  const forgot = page.getByRole("dialog", { name: "Send forgot password" });
  await expect(forgot.getByTestId("reset-email")).toHaveText(email);
  await forgot.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page.locator(".notice")).toContainText(`sent to ${email}`);
  const mail = await waitForEmail(email, "reset-password#token=");
  const link = linkIn(mail, "reset-password");
  const visitor = await page.context().browser()!.newContext();
  const endUser = await visitor.newPage();
  await endUser.goto(link);
  await endUser.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await endUser.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
  await endUser.getByRole("button", { name: "Set password" }).click();
  await expect(endUser.getByRole("heading", { name: "Password changed" })).toBeVisible();
  // The token is in the fragment: opening the same link again is a fresh page load.
  await endUser.goto("about:blank");
  await endUser.goto(link);
  await endUser.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await endUser.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
  await endUser.getByRole("button", { name: "Set password" }).click();
  await expect(endUser.getByRole("alert")).toContainText("already used");
  await visitor.close();

  // A user whose wallets are empty is deactivated, and stays listed as Canceled.
  await openUser(page, empty);
  await board(page).getByRole("button", { name: "Deactivate user" }).click();
  confirm = page.getByRole("dialog", { name: "Deactivate user" });
  await confirm.getByRole("button", { name: "Deactivate", exact: true }).click();
  await expect(page.locator(".notice")).toContainText(`User #${empty} was deactivated`);
  await expect(board(page).getByTestId("user-status")).toHaveText("Canceled");
  await expect(board(page).getByRole("button", { name: "Deactivate user" })).toHaveCount(0);
  await page.goto("/users?userStatus=CANCELED&sortBy=userId&sortOrder=ASC&pageCount=100");
  await expect(page.locator(`tr[data-user-id="${empty}"]`)).toContainText("Canceled");
});

test("an end user signs up, is listed as not completed, activates and becomes searchable", async ({ page, browser }) => {
  const email = uniqueEmail("signup");
  const visitor = await browser.newContext();
  const endUser = await visitor.newPage();
  await endUser.goto("/signup");
  await endUser.getByLabel("Email").fill(email);
  await endUser.getByLabel("Password").fill("my own long pass phrase");
  await endUser.getByRole("button", { name: "Sign up" }).click();
  await expect(endUser.getByRole("heading", { name: "Check your inbox" })).toBeVisible();

  await asAdmin(page, "/onboarding-users");
  await expect(page.getByRole("table", { name: "Onboarding users" })).toContainText(email);
  // Each sign-up shows the end user's own login id.
  const row = page.getByRole("row").filter({ hasText: email });
  await expect(row.getByTestId("login-id")).toHaveText(/^[0-9]+$/);
  await search(page, { Email: email });
  await expect(page.locator(".notice")).toContainText("No user matches this search.");

  const mail = await waitForEmail(email, "activate#token=");
  await endUser.goto(linkIn(mail, "activate"));
  await endUser.getByRole("button", { name: "Activate my account" }).click();
  await expect(endUser.getByText("Your account is active")).toBeVisible();
  await visitor.close();

  await page.goto("/onboarding-users");
  await page.getByRole("tab", { name: "Completed", exact: true }).click();
  await expect(page.getByRole("table", { name: "Onboarding users" })).toContainText(email);
  await search(page, { Email: email });
  await expect(page).toHaveURL(/\/profiles$/);
  await expect(board(page).locator("dt:text-is('Email') + dd")).toHaveText(email);
});

test("a read-only operator sees the profile but no action", async ({ page, browser }) => {
  await asAdmin(page, "/dashboard-users");
  const readOnly = uniqueEmail("readonly");
  await addOperator(page, readOnly, "Support User – Read only", "a long enough password 1");
  const other = await browser.newContext();
  const ro = await other.newPage();
  await ro.goto("/profiles");
  await logIn(ro, readOnly, "a long enough password 1");
  await search(ro, { "User Id": "12" });
  await expect(board(ro).getByRole("heading", { level: 2 })).toContainText("#12");
  await expect(board(ro).getByText("Financial data")).toBeVisible();
  for (const name of ["Edit", "Deactivate user", "Send forgot password", "More"]) {
    await expect(board(ro).getByRole("button", { name, exact: true })).toHaveCount(0);
  }
  await innerTab(ro, "KYC");
  await expect(board(ro).getByRole("button", { name: "Request review" })).toHaveCount(0);
  await other.close();
});

test("Add child user opens the creation form with the parent set, and the child joins the tree", async ({ page }) => {
  await asAdmin(page, "/profiles");
  await openUser(page, 12);
  await innerTab(page, "Children Users");
  await board(page).getByRole("button", { name: "Add child user" }).click();
  await expect(page).toHaveURL(/\/users\/new\?parentUserId=12/);
  await expect(page.getByRole("heading", { name: "Add child user" })).toBeVisible();
  const form = page.locator("form.user-form");
  await expect(form.getByLabel("Parent user id")).toHaveValue("12");
  await form.getByLabel("Email", { exact: true }).fill("not an email");
  await form.getByLabel("First name").fill("Junior");
  await form.getByLabel("Last name").fill("Tester");
  await form.getByLabel("Parent type").selectOption("employee");
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(form.locator("#user-field-email-error")).toContainText("valid email");
  await expect(form.locator("#user-field-specifiedUSPerson-error")).toContainText("required");
  await form.getByLabel("US person").selectOption({ label: "No" });
  const email = uniqueEmail("child");
  await form.getByLabel("Email", { exact: true }).fill(email);
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(page).toHaveURL(/\/profiles$/);
  await expect(board(page).getByRole("heading", { level: 2 })).toContainText("Junior Tester");
  await page.getByRole("tab", { name: /#12/ }).click();
  await innerTab(page, "Children Users");
  await expect(board(page).locator(".tree")).toContainText("Junior Tester");
});

test("System Configuration turns Send forgot password off and on, at once", async ({ page }) => {
  await asAdmin(page, "/configuration");
  const toggle = page.getByLabel("Send forgot password enabled");
  await expect(toggle).toBeChecked();
  await toggle.uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator(".notice")).toContainText("The configuration was saved.");
  const id = await pendingUser(page, () => true);
  await openUser(page, id);
  await expect(board(page).getByRole("button", { name: "Edit" })).toBeVisible();
  await expect(board(page).getByRole("button", { name: "Send forgot password" })).toHaveCount(0);

  await page.goto("/configuration");
  await expect(page.getByLabel("Send forgot password enabled")).not.toBeChecked();
  await page.getByLabel("Send forgot password enabled").check();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator(".notice")).toContainText("The configuration was saved.");
  await openUser(page, id);
  await expect(board(page).getByRole("button", { name: "Send forgot password" })).toBeVisible();
});
