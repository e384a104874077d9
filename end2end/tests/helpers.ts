import { expect, type Page } from "@playwright/test";

export const admin = {
  username: process.env.E2E_ADMIN_USER ?? "admin@e2e.test",
  password: process.env.E2E_ADMIN_PASSWORD ?? "",
};

/** Logs in through the login form and waits for the shell. */
export async function logIn(page: Page, username: string, password: string) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("operator-name")).toHaveText(username);
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
