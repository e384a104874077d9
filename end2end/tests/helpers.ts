import { expect, type Browser, type Page } from "@playwright/test";

export const admin = {
  username: process.env.E2E_ADMIN_USER ?? "admin@e2e.test",
  password: process.env.E2E_ADMIN_PASSWORD ?? "",
};

/** The password an operator chooses when theirs was set by someone else (see logIn). */
export const chosenPassword = (temporary: string) => `${temporary} chosen`;

/** Logs in through the login form and waits for the shell. A password set by someone else
 * (an operator made in Dashboard Users) is temporary: then the operator chooses
 * `chosenPassword(password)` first. */
export async function logIn(page: Page, username: string, password: string) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  const forced = page.getByRole("heading", { name: "Choose a new password" });
  await expect(page.getByTestId("operator-name").or(forced)).toBeVisible();
  if (await forced.isVisible()) await chooseOwnPassword(page, password, chosenPassword(password));
  await expect(page.getByTestId("operator-name")).toHaveText(username);
}

/** Fills and sends the Change password form (the forced page or the account menu's dialog). */
export async function chooseOwnPassword(page: Page, current: string, next: string) {
  const form = page.getByRole("form", { name: "Change password" });
  await form.getByLabel("Current password").fill(current);
  await form.getByLabel("New password", { exact: true }).fill(next);
  await form.getByLabel("Confirm the new password").fill(next);
  await form.getByRole("button", { name: "Change password" }).click();
}

/** A unique email for this run, so that reruns on the same database do not collide. */
export function uniqueEmail(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}@e2e.test`;
}

/** Creates an operator through the "Add a new user" dialog. */
export async function addOperator(page: Page, username: string, roleLabel: string, password: string) {
  await page.getByRole("button", { name: "Add a new user" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a new user" });
  await dialog.getByLabel("Username").fill(username);
  await dialog.getByLabel("Role").selectOption({ label: roleLabel });
  await dialog.getByLabel("Password").fill(password);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status")).toContainText(`${username} was created.`);
}

export function operatorRow(page: Page, username: string) {
  return page.locator(`tr[data-username="${username}"]`);
}

/** Waits for an email to `to` in the SMTP sink's folder and returns its text. */
export async function waitForEmail(to: string, contains: string): Promise<string> {
  const fs = await import("node:fs");
  const path = await import("node:path");
  const dir = process.env.E2E_MAIL_DIR ?? "";
  for (let i = 0; i < 150; i++) {
    if (dir && fs.existsSync(dir)) {
      for (const file of fs.readdirSync(dir).sort().reverse()) {
        const text = fs.readFileSync(path.join(dir, file), "utf8");
        const recipients = text.split("\n")[0].toLowerCase();
        if (recipients.includes(to.toLowerCase()) && text.includes(contains)) return text;
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no email to ${to} containing ${contains} in ${dir}`);
}

/** The path and fragment of the first link to `page` in an email (e.g. "/activate#token=..."). */
export function linkIn(email: string, page: string): string {
  const match = email.match(new RegExp(`/${page}#token=[A-Za-z0-9_-]+`));
  if (!match) throw new Error(`no ${page} link in ${email}`);
  return match[0];
}

/** Runs the search toolbar with the given fields. */
export async function search(page: Page, fields: Record<string, string>) {
  const toolbar = page.getByRole("search", { name: "Search users" });
  for (const label of ["User Id", "User Tag", "Email", "Name", "Card", "Wallet"]) {
    await toolbar.getByLabel(label, { exact: true }).fill(fields[label] ?? "");
  }
  await toolbar.getByRole("button", { name: "Search" }).click();
}

/** A new operator with `roleLabel` (made by the Administrator logged in on `page`), logged
 * in on a page of its own. */
export async function operator(page: Page, browser: Browser, prefix: string, roleLabel: string): Promise<Page> {
  const password = "a long enough password 1";
  await page.goto("/dashboard-users");
  const username = uniqueEmail(prefix);
  await addOperator(page, username, roleLabel, password);
  const own = await (await browser.newContext()).newPage();
  await own.goto("/profiles");
  await logIn(own, username, password);
  return own;
}
