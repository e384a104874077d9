import { test, expect, type Page } from "@playwright/test";
import { createHmac } from "node:crypto";
import { admin, addOperator, chosenPassword, logIn, operatorRow, uniqueEmail } from "./helpers";

const PASSWORD = "a long enough password 3";

/** RFC 4648 base32 (the secret the set-up shows, spaces allowed). */
function base32Decode(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of text.replace(/[\s=]/g, "").toUpperCase()) {
    const value = alphabet.indexOf(c);
    if (value < 0) throw new Error(`not base32: ${c}`);
    bits += value.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The code an authenticator app shows at `unixSeconds` (RFC 6238: HMAC-SHA-1, 6 digits, 30 s). */
function totp(secret: string, unixSeconds: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, "0");
}

const now = () => Math.floor(Date.now() / 1000);

async function passwordStep(page: Page, username: string, password: string) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("form", { name: "Two-factor authentication" })).toBeVisible();
}

async function logOut(page: Page) {
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
}

test("an operator sets up two-factor authentication, logs in with a recovery code and a code, and an Administrator resets it", async ({
  page,
  browser,
}) => {
  await page.goto("/");
  await logIn(page, admin.username, admin.password);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard Users" }).click();
  const username = uniqueEmail("two-factor");
  await addOperator(page, username, "Support User", PASSWORD);
  await expect(operatorRow(page, username)).toContainText("Off");

  const context = await browser.newContext();
  const own = await context.newPage();
  await own.goto("/");
  await logIn(own, username, PASSWORD); // chooses chosenPassword(PASSWORD) first
  const password = chosenPassword(PASSWORD);

  // Set-up: the password again, the QR code, a code from the app, the recovery codes.
  await own.getByRole("link", { name: "Two-factor" }).click();
  await expect(own).toHaveURL(/\/two-factor$/);
  await expect(own.getByTestId("two-factor-status")).toContainText("Off");
  await own.getByRole("button", { name: "Set up" }).click();
  await own.getByLabel("Current password").fill("not my password at all");
  await own.getByRole("button", { name: "Continue" }).click();
  await expect(own.getByRole("alert")).toContainText("The current password is not right.");
  await own.getByLabel("Current password").fill(password);
  await own.getByRole("button", { name: "Continue" }).click();
  await expect(own.getByRole("img", { name: "QR code of the two-factor secret" }).locator("svg")).toBeVisible();
  const secret = (await own.getByTestId("two-factor-secret").textContent()) ?? "";
  expect(secret.replace(/\s/g, "")).toHaveLength(32);
  const wrong = ["000000", "111111", "222222"].find((c) => ![-30, 0, 30].some((d) => totp(secret, now() + d) === c))!;
  await own.getByLabel("Code shown by the app").fill(wrong);
  await own.getByRole("button", { name: "Turn on" }).click();
  await expect(own.getByRole("alert")).toContainText("That code is not right");
  await own.getByLabel("Code shown by the app").fill(totp(secret, now()));
  await own.getByRole("button", { name: "Turn on" }).click();
  const list = own.getByRole("list", { name: "Recovery codes" });
  await expect(list.getByRole("listitem")).toHaveCount(10);
  const codes = await list.getByRole("listitem").allTextContents();
  expect(codes[0]).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
  await own.getByRole("button", { name: "I have saved them" }).click();
  await expect(own.getByTestId("two-factor-status")).toContainText("Recovery codes left: 10 of 10");

  // A recovery code instead of the phone: once.
  await logOut(own);
  await passwordStep(own, username, password);
  await own.getByRole("button", { name: "Use a recovery code" }).click();
  await own.getByLabel("Recovery code").fill(codes[0]);
  await own.getByRole("button", { name: "Verify" }).click();
  await expect(own.getByTestId("operator-name")).toHaveText(username);
  await own.getByRole("link", { name: "Two-factor" }).click();
  await expect(own.getByTestId("two-factor-status")).toContainText("Recovery codes left: 9 of 10");

  // Setting it up again (a new phone) asks for a code of the current set-up too; Cancel
  // keeps the current one.
  await own.getByRole("button", { name: "Set up again" }).click();
  await own.getByLabel("Current password").fill(password);
  await own.getByLabel("Code from your current authenticator app (or a recovery code)").fill("zzzz-zzzz-zzzz-zzzz");
  await own.getByRole("button", { name: "Continue" }).click();
  await expect(own.getByRole("alert")).toContainText("That code is not right.");
  await expect(own.getByLabel("Current password")).toHaveValue(password); // what was right stays
  await own.getByRole("button", { name: "Cancel" }).click();
  await expect(own.getByTestId("two-factor-status")).toContainText("Recovery codes left: 9 of 10");

  // A code from the app: a wrong one is refused, the next step's works (the set-up's code
  // was spent on its step).
  await logOut(own);
  await passwordStep(own, username, password);
  await own.getByLabel("Code from your authenticator app").fill(wrong);
  await own.getByRole("button", { name: "Verify" }).click();
  await expect(own.getByRole("alert")).toContainText("That code is not right");
  await expect(own.getByLabel("Code from your authenticator app")).toHaveValue("");
  await own.getByLabel("Code from your authenticator app").fill(totp(secret, now() + 30));
  await own.getByRole("button", { name: "Verify" }).click();
  await expect(own.getByTestId("operator-name")).toHaveText(username);

  // The Administrator sees it on and resets it (asked first): the operator is logged out.
  await page.reload();
  const row = operatorRow(page, username);
  await expect(row).toContainText("On");
  await row.getByRole("button", { name: "Reset 2FA" }).click();
  const dialog = page.getByRole("dialog", { name: "Reset two-factor authentication" });
  await dialog.getByRole("button", { name: "Reset" }).click();
  await expect(page.getByRole("status")).toContainText(`Two-factor authentication of ${username} was removed`);
  await own.reload();
  await expect(own.getByRole("button", { name: "Log in" })).toBeVisible();
  await logIn(own, username, password);
  await context.close();
});
