import { test, expect } from "@playwright/test";
import { admin, addOperator, chooseOwnPassword, logIn, operatorRow, uniqueEmail } from "./helpers";

const PASSWORD = "a long enough password 1";

test("an Administrator creates a Support operator who sees only its views", async ({ page, browser }) => {
  await page.goto("/");
  await logIn(page, admin.username, admin.password);
  await expect(page.getByTestId("operator-role")).toHaveText("Administrator");
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Dashboard Users" }).click();
  await expect(page).toHaveURL(/\/dashboard-users$/);
  await expect(page.getByRole("heading", { name: "Dashboard Users" })).toBeVisible();

  // Deep link: a reload stays on the page.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Dashboard Users" })).toBeVisible();

  // A weak password is refused on its field, in the browser.
  const support = uniqueEmail("support");
  await page.getByRole("button", { name: "Add a new user" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a new user" });
  await dialog.getByLabel("Username").fill(support);
  await dialog.getByLabel("Role").selectOption({ label: "Support User" });
  await dialog.getByLabel("Password").fill("short");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.locator("#password-error")).toContainText("at least 12");
  await dialog.getByRole("button", { name: "Cancel" }).click();

  await addOperator(page, support, "Support User", PASSWORD);
  const row = operatorRow(page, support);
  await expect(row).toContainText("Support User");
  await expect(row).toContainText("Active");

  // The new operator logs in in a second browser context.
  const other = await browser.newContext();
  const supportPage = await other.newPage();
  await supportPage.goto("/");
  await logIn(supportPage, support, PASSWORD);
  await expect(supportPage.getByTestId("operator-role")).toHaveText("Support User");
  const supportNav = supportPage.getByRole("navigation", { name: "Main" });
  // Payout approvals needs read_write (a Support User approves another operator's payout).
  for (const view of ["Search Users", "Profiles Board", "All Users", "All Cards", "All Card Transactions", "Onboarding Users", "Payout approvals"]) {
    await expect(supportNav.getByRole("link", { name: view, exact: true })).toBeVisible();
  }
  // Not the views of other roles, nor views that are not built yet (no "coming soon" pages).
  for (const view of ["Dashboard Users", "Create a new user", "Audit log", "System Configuration", "Bulk Cards", "Predef Restriction Groups"]) {
    await expect(supportNav.getByRole("link", { name: view, exact: true })).toHaveCount(0);
  }
  await expect(supportNav.getByRole("link")).toHaveCount(7);
  // Typing the address of a forbidden view shows a refusal, not the view.
  await supportPage.goto("/dashboard-users");
  await expect(supportPage.getByRole("heading", { name: "Access denied" })).toBeVisible();
  await expect(supportPage.getByRole("button", { name: "Add a new user" })).toHaveCount(0);

  await supportPage.getByRole("button", { name: "Log out" }).click();
  await expect(supportPage.getByRole("button", { name: "Log in" })).toBeVisible();
  await other.close();
});

test("three failed logins block an operator until an Administrator unblocks it", async ({ page, browser }) => {
  await page.goto("/dashboard-users");
  await logIn(page, admin.username, admin.password);
  const victim = uniqueEmail("blocked");
  await addOperator(page, victim, "Support User – Read only", PASSWORD);

  const other = await browser.newContext();
  const attempt = await other.newPage();
  await attempt.goto("/");
  for (let i = 0; i < 3; i++) {
    await attempt.getByLabel("Username").fill(victim);
    await attempt.getByLabel("Password").fill(`wrong password ${i}`);
    await attempt.getByRole("button", { name: "Log in" }).click();
    await expect(attempt.getByRole("alert")).toHaveText("Invalid username or password.");
  }
  // Now even the right password is refused, with the same message.
  await attempt.getByLabel("Password").fill(PASSWORD);
  await attempt.getByRole("button", { name: "Log in" }).click();
  await expect(attempt.getByRole("alert")).toHaveText("Invalid username or password.");

  await page.reload();
  const row = operatorRow(page, victim);
  await expect(row).toContainText("Blocked");
  await row.getByRole("button", { name: "Unblock" }).click();
  await expect(page.getByRole("status")).toContainText(`${victim} is unblocked.`);
  await expect(row).toContainText("Active");
  await expect(row.getByRole("button", { name: "Unblock" })).toHaveCount(0);

  await logIn(attempt, victim, PASSWORD);

  // Delete, with confirmation: the row disappears and the session ends.
  await row.getByRole("button", { name: "Delete" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete user" });
  await expect(confirm).toContainText("irreversible");
  await confirm.getByRole("button", { name: "Delete permanently" }).click();
  await expect(operatorRow(page, victim)).toHaveCount(0);
  await attempt.reload();
  await expect(attempt.getByRole("button", { name: "Log in" })).toBeVisible();
  await other.close();
});

test("a Manager manages operators but never Administrators", async ({ page, browser }) => {
  await page.goto("/dashboard-users");
  await logIn(page, admin.username, admin.password);
  const manager = uniqueEmail("manager");
  await addOperator(page, manager, "Manager", PASSWORD);

  const other = await browser.newContext();
  const managerPage = await other.newPage();
  await managerPage.goto("/dashboard-users");
  await logIn(managerPage, manager, PASSWORD);
  await expect(managerPage.getByRole("heading", { name: "Dashboard Users" })).toBeVisible();

  // Administrators' rows offer no action to a Manager.
  const adminRow = operatorRow(managerPage, admin.username);
  await expect(adminRow).toContainText("Administrator");
  await expect(adminRow.getByRole("button")).toHaveCount(0);

  // The role list has no Administrator.
  await managerPage.getByRole("button", { name: "Add a new user" }).click();
  const dialog = managerPage.getByRole("dialog", { name: "Add a new user" });
  const options = await dialog.getByLabel("Role").locator("option").allTextContents();
  expect(options).toContain("Manager");
  expect(options).not.toContain("Administrator");
  await dialog.press("Escape");
  await expect(dialog).toBeHidden();

  // Update: change a Support operator's role; the table shows the new role.
  const support = uniqueEmail("promoted");
  await addOperator(managerPage, support, "Support User", PASSWORD);
  const row = operatorRow(managerPage, support);
  await row.getByRole("button", { name: "Update" }).click();
  const update = managerPage.getByRole("dialog", { name: "Update user" });
  await expect(update.getByLabel("Role")).toHaveValue("support");
  await update.getByLabel("Role").selectOption({ label: "Support & legal User" });
  await update.getByRole("button", { name: "Save" }).click();
  await expect(update).toBeHidden();
  await expect(row).toContainText("Support & legal User");
  await other.close();
});

test("a password set by someone else is temporary; operators change their own", async ({ page, browser }) => {
  await page.goto("/dashboard-users");
  await logIn(page, admin.username, admin.password);
  const agent = uniqueEmail("temporary");
  await addOperator(page, agent, "Support User", PASSWORD);

  // The first login asks for the operator's own password before anything else.
  const other = await browser.newContext();
  const own = await other.newPage();
  await own.goto("/users");
  await own.getByLabel("Username").fill(agent);
  await own.getByLabel("Password").fill(PASSWORD);
  await own.getByRole("button", { name: "Log in" }).click();
  await expect(own.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await expect(own.getByRole("navigation", { name: "Main" })).toHaveCount(0);
  await chooseOwnPassword(own, PASSWORD, "short");
  await expect(own.locator("#newPassword-error")).toContainText("at least 12");
  await chooseOwnPassword(own, "not the current one", "my very own pass phrase");
  await expect(own.locator("#currentPassword-error")).toContainText("not right");
  await chooseOwnPassword(own, PASSWORD, "my very own pass phrase");
  await expect(own.getByTestId("operator-name")).toHaveText(agent);

  // An Administrator sets it again: the operator's session ends at once, and the next
  // login asks again.
  const row = operatorRow(page, agent);
  await row.getByRole("button", { name: "Update" }).click();
  const update = page.getByRole("dialog", { name: "Update user" });
  await update.getByLabel("Password").fill("set by the administrator");
  await update.getByRole("button", { name: "Save" }).click();
  await expect(update).toBeHidden();
  await own.reload();
  await expect(own.getByRole("button", { name: "Log in" })).toBeVisible();
  await logIn(own, agent, "set by the administrator");

  // From the account menu, with the current password.
  await own.getByRole("button", { name: "Change password" }).click();
  const dialog = own.getByRole("dialog", { name: "Change password" });
  await chooseOwnPassword(own, "set by the administrator chosen", "and once more my own");
  await expect(dialog).toBeHidden();
  await expect(own.locator(".notice")).toContainText("Your password was changed");
  await own.getByRole("button", { name: "Log out" }).click();
  await logIn(own, agent, "and once more my own");
  await other.close();
});
