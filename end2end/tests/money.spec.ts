import { expect, test, type Page } from "@playwright/test";
import * as fs from "node:fs";
import { admin, logIn, operator, search, uniqueEmail } from "./helpers";

// Money through the real flow: an operator adds a wallet to a new customer, moves
// money into it from a funded demo wallet (after a confirmation that shows both sides),
// downloads the operations CSV and a statement PDF, adds a beneficiary (a bad IBAN is
// refused with a message), pays the whole balance out, then deactivates the wallet and the
// customer: the seed's rule (every balance at 0) met by moving the money, not by editing it.

const board = (page: Page) => page.locator("#user-board");

async function openUser(page: Page, id: number, tab: string) {
  await search(page, { "User Id": String(id) });
  await expect(page).toHaveURL(/\/profiles$/);
  await expect(board(page).getByRole("heading", { level: 2 })).toContainText(`#${id}`);
  await board(page).getByRole("tab", { name: tab, exact: true }).click();
}

/** A demo user's active EUR wallet that holds money: its id. */
async function fundedDemoWallet(page: Page): Promise<{ user: number; wallet: number }> {
  for (const user of [1, 2, 4, 5, 7, 8, 10, 11]) {
    await openUser(page, user, "Wallets");
    const rows = board(page).locator("tr[data-testid^='wallet-']");
    await expect(rows.first().or(board(page).getByText("This user has no wallet."))).toBeVisible();
    for (const row of await rows.all()) {
      const status = await row.getByTestId("wallet-status").textContent();
      const balance = (await row.getByTestId("wallet-balance").textContent()) ?? "";
      const minor = Number(balance.replace(/[^0-9]/g, ""));
      if (status === "Active" && balance.endsWith("EUR") && minor >= 10000) {
        const id = Number((await row.getAttribute("data-testid"))!.replace("wallet-", ""));
        return { user, wallet: id };
      }
    }
  }
  throw new Error("no funded demo wallet among the first users");
}

test("money: add a wallet, fund it, CSV and statement, beneficiary, pay out, deactivate", async ({ page, browser }) => {
  test.setTimeout(180_000);
  await page.goto("/profiles");
  await logIn(page, admin.username, admin.password);
  // Support & legal: creating the customer needs legal; every money action needs read_write.
  const support = await operator(page, browser, "money", "Support & legal User");

  // A new customer, with no wallet yet.
  await support.goto("/users/new");
  const form = support.locator("form.user-form");
  await form.getByLabel("Email", { exact: true }).fill(uniqueEmail("money-customer"));
  await form.getByLabel("First name").fill("Ada");
  await form.getByLabel("Last name").fill("Lovelace");
  await form.getByLabel("US person").selectOption({ label: "No" });
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(support).toHaveURL(/\/profiles$/);
  const heading = (await board(support).getByRole("heading", { level: 2 }).textContent()) ?? "";
  const customer = Number(heading.match(/#(\d+)/)![1]);
  await board(support).getByRole("tab", { name: "Wallets", exact: true }).click();
  await expect(board(support).getByText("This user has no wallet.")).toBeVisible();

  // Add Wallet: the name is required, the form keeps what was typed.
  await board(support).getByRole("button", { name: "Add Wallet" }).click();
  let dialog = support.getByRole("dialog", { name: "Add Wallet" });
  await dialog.getByLabel("Currency").fill("EUR");
  await dialog.getByRole("button", { name: "Add Wallet" }).click();
  await expect(dialog.getByRole("alert")).toContainText("name is required");
  await dialog.getByLabel("Name").fill("Main account");
  await dialog.getByRole("button", { name: "Add Wallet" }).click();
  await expect(dialog).toBeHidden();
  await expect(support.getByRole("status")).toContainText("is added");
  const row = board(support).locator("tr[data-testid^='wallet-']").first();
  await expect(row.getByTestId("wallet-balance")).toHaveText("0.00 EUR");
  const wallet = Number((await row.getAttribute("data-testid"))!.replace("wallet-", ""));

  // A transfer into it from a funded demo wallet: refused above the balance, then confirmed.
  const source = await fundedDemoWallet(support);
  await board(support).getByRole("button", { name: "Create Wallet to Wallet Transfer" }).click();
  dialog = support.getByRole("dialog", { name: "Create Wallet to Wallet Transfer" });
  await dialog.getByLabel("From wallet").selectOption(String(source.wallet));
  await dialog.getByLabel("To wallet id").fill(String(wallet));
  await dialog.getByLabel("Amount").fill("99999999");
  await dialog.getByRole("button", { name: "Review transfer" }).click();
  await expect(dialog.getByRole("alert")).toContainText("Insufficient balance");
  await dialog.getByLabel("Amount").fill("25.50");
  await dialog.getByLabel("Label").fill("E2E top-up");
  await dialog.getByRole("button", { name: "Review transfer" }).click();
  const review = dialog.getByTestId("transfer-review");
  await expect(review).toContainText(`#${source.wallet}`);
  await expect(review).toContainText(`#${wallet} Main account (EUR) — Ada Lovelace`);
  await expect(review).toContainText("25.50 EUR");
  await review.getByRole("button", { name: "Transfer 25.50 EUR" }).click();
  await expect(dialog).toBeHidden();
  await expect(support.getByRole("status")).toContainText("25.50 EUR moved");

  await openUser(support, customer, "Wallets");
  await expect(row.getByTestId("wallet-balance")).toHaveText("25.50 EUR");

  // Download Operations: the CSV holds the transfer.
  await row.getByRole("button", { name: "Download Operations" }).click();
  dialog = support.getByRole("dialog", { name: "Download Operations" });
  let downloading = support.waitForEvent("download");
  await dialog.getByRole("button", { name: "Download CSV" }).click();
  let download = await downloading;
  expect(download.suggestedFilename()).toMatch(new RegExp(`^operations-wallet-${wallet}-.*\\.csv$`));
  const csv = fs.readFileSync((await download.path())!, "utf8");
  const lines = csv.trim().split("\n");
  expect(lines[0]).toBe("date,entryId,operationType,initialFlow,objectId,direction,amount,currency,balanceAfter,status,label");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(",walletTransfer,transfer,");
  expect(lines[1]).toContain(",CREDIT,25.50,EUR,25.50,SETTLED,E2E top-up");

  // Generate a Statement: a PDF of this month.
  await row.getByRole("button", { name: "Generate a Statement" }).click();
  dialog = support.getByRole("dialog", { name: "Generate a Statement" });
  downloading = support.waitForEvent("download");
  await dialog.getByRole("button", { name: "Download statement (PDF)" }).click();
  download = await downloading;
  expect(download.suggestedFilename()).toMatch(new RegExp(`^statement-wallet-${wallet}-\\d{4}-\\d{2}\\.pdf$`));
  const pdf = fs.readFileSync((await download.path())!);
  expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
  expect(pdf.length).toBeGreaterThan(500);

  // A beneficiary: a wrong IBAN is refused with a message, the form keeps what was typed.
  await board(support).getByRole("tab", { name: "Beneficiaries", exact: true }).click();
  await expect(board(support).getByText("No beneficiary yet.")).toBeVisible();
  await board(support).getByRole("button", { name: "Create Beneficiary" }).click();
  dialog = support.getByRole("dialog", { name: "Create Beneficiary" });
  await dialog.getByLabel("Name", { exact: true }).fill("Landlord");
  await dialog.getByLabel("IBAN").fill("FR76 3000 6000 0112 3456 7890 188");
  await dialog.getByLabel("BIC").fill("AGRIFRPPXXX");
  await dialog.getByRole("button", { name: "Save beneficiary" }).click();
  await expect(dialog.getByRole("alert")).toContainText("check digits are wrong");
  await expect(dialog.getByLabel("Name", { exact: true })).toHaveValue("Landlord");
  await dialog.getByLabel("IBAN").fill("FR76 3000 6000 0112 3456 7890 189");
  await dialog.getByRole("button", { name: "Save beneficiary" }).click();
  await expect(dialog).toBeHidden();
  await expect(board(support).getByRole("table", { name: "Beneficiaries" })).toContainText("FR76 3000 6000 0112 3456 7890 189");

  // Pay the whole balance out, after a confirmation showing the IBAN and the amount.
  await board(support).getByRole("tab", { name: "Wallets", exact: true }).click();
  await row.getByRole("button", { name: "Make a Payout" }).click();
  dialog = support.getByRole("dialog", { name: "Make a Payout" });
  await dialog.getByLabel("Amount").fill("25.50");
  await dialog.getByLabel("Label").fill("Rent");
  await dialog.getByRole("button", { name: "Review payout" }).click();
  const payout = dialog.getByTestId("payout-review");
  await expect(payout).toContainText("Landlord — FR76 3000 6000 0112 3456 7890 189");
  await payout.getByRole("button", { name: "Pay out 25.50 EUR" }).click();
  await expect(dialog).toBeHidden();
  await expect(support.getByRole("status")).toContainText("is pending");
  await expect(row.getByTestId("wallet-balance")).toHaveText("0.00 EUR");

  // Once the payout is sent (the cancel window is short in this test server), the wallet is
  // at zero and can be deactivated; then the customer.
  const deactivate = row.getByRole("button", { name: "Deactivate Wallet" });
  await expect(async () => {
    await openUser(support, customer, "Wallets");
    await expect(deactivate).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await deactivate.click();
  dialog = support.getByRole("dialog", { name: "Deactivate Wallet" });
  await expect(dialog).toContainText("irreversible");
  await dialog.getByRole("button", { name: "Deactivate" }).click();
  await expect(dialog).toBeHidden();
  await expect(row.getByTestId("wallet-status")).toHaveText("Deactivated");

  await board(support).getByRole("button", { name: "Deactivate user" }).click();
  dialog = support.getByRole("dialog", { name: "Deactivate user" });
  await dialog.getByRole("button", { name: "Deactivate" }).click();
  await expect(dialog).toBeHidden();
  await expect(board(support).getByTestId("user-status")).toHaveText("Canceled");
});
