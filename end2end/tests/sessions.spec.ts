import { test, expect } from "@playwright/test";
import { admin, addOperator, chosenPassword, logIn, operatorRow, uniqueEmail } from "./helpers";

const PASSWORD = "a long enough password 2";

test("an operator ends another browser's session from My sessions", async ({ page, browser }) => {
  // An operator of their own, so that other specs' sessions of the admin do not show up.
  await page.goto("/");
  await logIn(page, admin.username, admin.password);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard Users" }).click();
  const username = uniqueEmail("sessions");
  await addOperator(page, username, "Support User", PASSWORD);

  const laptop = await browser.newContext({ userAgent: "Laptop browser" });
  const laptopPage = await laptop.newPage();
  await laptopPage.goto("/");
  await logIn(laptopPage, username, PASSWORD);
  const phone = await browser.newContext({ userAgent: "Phone browser" });
  const phonePage = await phone.newPage();
  await phonePage.goto("/");
  await logIn(phonePage, username, chosenPassword(PASSWORD));

  await laptopPage.getByRole("link", { name: "My sessions" }).click();
  await expect(laptopPage).toHaveURL(/\/my-sessions$/);
  const table = laptopPage.getByRole("table", { name: "My sessions" });
  await expect(table.locator("tbody tr")).toHaveCount(2);
  const current = table.locator('tr[data-current="true"]');
  await expect(current).toContainText("Laptop browser");
  await expect(current).toContainText("This session");
  const other = table.locator('tr[data-current="false"]');
  await expect(other).toContainText("Phone browser");

  // Asked first; Cancel keeps the session.
  await other.getByRole("button", { name: "End session" }).click();
  const dialog = laptopPage.getByRole("dialog", { name: "End session" });
  await expect(dialog).toContainText("Phone browser");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(table.locator("tbody tr")).toHaveCount(2);
  await other.getByRole("button", { name: "End session" }).click();
  await dialog.getByRole("button", { name: "End session" }).click();
  await expect(laptopPage.getByRole("status")).toContainText("The session has ended.");
  await expect(table.locator("tbody tr")).toHaveCount(1);

  // The phone is logged out at its next request.
  await phonePage.reload();
  await expect(phonePage.getByRole("button", { name: "Log in" })).toBeVisible();
  await expect(laptopPage.getByTestId("operator-name")).toHaveText(username);

  // An Administrator ends every session of the operator from Dashboard Users.
  await operatorRow(page, username).getByRole("button", { name: "End sessions" }).click();
  const confirm = page.getByRole("dialog", { name: "End sessions" });
  await confirm.getByRole("button", { name: "End every session" }).click();
  await expect(page.getByRole("status")).toContainText(`1 session of ${username} has ended.`);
  await laptopPage.reload();
  await expect(laptopPage.getByRole("button", { name: "Log in" })).toBeVisible();
  await laptop.close();
  await phone.close();
});

test("an Administrator creates an API client, sees its secret once, and revokes it", async ({ page, request }) => {
  await page.goto("/");
  await logIn(page, admin.username, admin.password);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API clients" }).click();
  await expect(page.getByRole("heading", { name: "API clients" })).toBeVisible();

  const name = `Partner ${Date.now().toString(36)}`;
  await page.getByRole("button", { name: "New API client" }).click();
  const form = page.getByRole("dialog", { name: "New API client" });
  await form.getByRole("button", { name: "Create" }).click();
  await expect(form.getByRole("alert")).toContainText("Name is required.");
  await form.getByLabel("Name").fill(name);
  await form.getByRole("button", { name: "Create" }).click();
  await expect(form.getByRole("alert")).toContainText("Choose at least one scope.");
  await expect(form.getByLabel("Name")).toHaveValue(name); // what was typed stays
  await form.getByLabel("read_only").check();
  await form.getByRole("button", { name: "Create" }).click();

  const created = page.getByRole("dialog", { name: "API client created" });
  const clientId = await created.getByLabel("Client ID").inputValue();
  const secret = await created.getByLabel("Client secret").inputValue();
  expect(secret.length).toBeGreaterThanOrEqual(32);
  await created.getByRole("button", { name: "I have stored the secret" }).click();
  await expect(created).toBeHidden();
  const row = page.locator(`tr[data-client="${clientId}"]`);
  await expect(row).toContainText(name);
  await expect(row).toContainText("Never");
  await expect(page.getByText(secret)).toHaveCount(0);

  const grant = await request.post("/oauth/token", {
    form: { grant_type: "client_credentials", client_id: clientId, client_secret: secret },
  });
  expect(grant.status()).toBe(200);
  const token = (await grant.json()).access_token as string;
  const auth = { Authorization: `Bearer ${token}` };
  expect((await request.get("/v1/users?pageCount=1", { headers: auth })).status()).toBe(200);
  await page.reload();
  await expect(row).not.toContainText("Never");

  await row.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("dialog", { name: "Revoke API client" }).getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("status")).toContainText(`${name} is revoked.`);
  await expect(row).toContainText("Revoked");
  expect((await request.get("/v1/users?pageCount=1", { headers: auth })).status()).toBe(401);
});
