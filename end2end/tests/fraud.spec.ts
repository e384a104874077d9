import { expect, test, type Page } from "@playwright/test";
import { admin, logIn, operator, search } from "./helpers";

// The fraud desk: an end user calls, their phone stolen and their card lost. SCA devices on
// the Profile tab, card actions on the Cards tab, per role. Demo data (seed-demo): user 7 has
// a phone (Active) and a web device (Passcode missing); even users have a card (user 16 is canceled; 26 is not).


const board = (page: Page) => page.locator("#user-board");
const sca = (page: Page) => board(page).getByTestId("sca-devices");

async function openUser(page: Page, id: number) {
  await search(page, { "User Id": String(id) });
  await expect(page).toHaveURL(/\/profiles$/);
  await expect(board(page).getByRole("heading", { level: 2 })).toContainText(`#${id}`);
}

async function scaMenu(page: Page) {
  await sca(page).getByRole("button", { name: "SCA device commands" }).click();
  return sca(page).getByRole("menu");
}

const fact = (page: Page, name: string) => sca(page).locator(`dt:text-is('${name}') + dd`);

test("SCA devices: Support secures, Support & legal unlocks and deletes, System Configuration hides them", async ({
  page,
  browser,
}) => {
  await page.goto("/profiles");
  await logIn(page, admin.username, admin.password);
  const support = await operator(page, browser, "support", "Support User");
  const legal = await operator(page, browser, "legal", "Support & legal User");

  // Support secures the phone with a reason and a message.
  await openUser(support, 7);
  await expect(sca(support).locator("select")).toBeVisible();
  await expect(fact(support, "Status")).toHaveText("Active");
  await expect(fact(support, "Device")).toContainText("Mobile:");
  let menu = await scaMenu(support);
  await expect(menu.getByRole("menuitem", { name: "Unlock SCA on this device" })).toHaveCount(0);
  await expect(menu.getByRole("menuitem", { name: "Delete SCA on this device" })).toHaveCount(0);
  await menu.getByRole("menuitem", { name: "Secure SCA on this device" }).click();
  let dialog = support.getByRole("dialog", { name: "Secure SCA on this device" });
  await dialog.getByRole("button", { name: "Secure" }).click();
  await expect(dialog.getByRole("alert")).toContainText("Choose why");
  await dialog.getByLabel("Lock reason").selectOption({ label: "Stolen device" });
  await dialog.getByLabel("Message").fill("Phone stolen on the metro");
  await dialog.getByRole("button", { name: "Secure" }).click();
  await expect(dialog).toBeHidden();
  await expect(fact(support, "Status")).toHaveText("Locked");
  await expect(fact(support, "Lock reason")).toHaveText("Stolen device");
  await expect(fact(support, "Message")).toHaveText("Phone stolen on the metro");
  menu = await scaMenu(support);
  await expect(menu.getByRole("menuitem", { name: "Secure SCA on this device" })).toHaveCount(0);

  // Support & legal unlocks it (after the seed's caution), then deletes the web device.
  await openUser(legal, 7);
  await expect(fact(legal, "Status")).toHaveText("Locked");
  menu = await scaMenu(legal);
  await menu.getByRole("menuitem", { name: "Unlock SCA on this device" }).click();
  dialog = legal.getByRole("dialog", { name: "Unlock SCA on this device" });
  await expect(dialog).toContainText("Should only be done if you're sure of the user identity.");
  await dialog.getByRole("button", { name: "Unlock" }).click();
  await expect(dialog).toBeHidden();
  await expect(fact(legal, "Status")).toHaveText("Active");
  await expect(fact(legal, "Lock reason")).toHaveCount(0);

  const picklist = sca(legal).locator("select");
  const web = await picklist.locator("option", { hasText: "browser-7" }).getAttribute("value");
  await picklist.selectOption(web!);
  await expect(fact(legal, "Status")).toHaveText("Passcode missing");
  menu = await scaMenu(legal);
  await expect(menu.getByRole("menuitem", { name: "Reset PIN" })).toHaveCount(0);
  await menu.getByRole("menuitem", { name: "Delete SCA on this device" }).click();
  dialog = legal.getByRole("dialog", { name: "Delete SCA on this device" });
  await expect(dialog).toContainText("irreversible");
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect(dialog).toBeHidden();
  await expect(sca(legal).locator("select")).toHaveCount(0);
  menu = await scaMenu(legal);
  await menu.getByRole("menuitem", { name: "View deleted devices" }).click();
  dialog = legal.getByRole("dialog", { name: "Deleted SCA devices" });
  await expect(dialog.getByTestId("deleted-devices")).toContainText("browser-7");
  await dialog.getByRole("button", { name: "Close", exact: true }).last().click();

  // System Configuration turns the section off, at once; then on again.
  for (const on of [false, true]) {
    await page.goto("/configuration");
    const toggle = page.getByLabel("SCA devices section enabled");
    await (on ? toggle.check() : toggle.uncheck());
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.locator(".notice")).toContainText("The configuration was saved.");
    await openUser(page, 7);
    await expect(board(page).getByText("Financial data")).toBeVisible();
    await expect(sca(page)).toHaveCount(on ? 1 : 0);
  }
});

async function cardRow(page: Page, userId: number) {
  await openUser(page, userId);
  await board(page).getByRole("tab", { name: "Cards", exact: true }).click();
  return board(page).locator("table[aria-label='Cards'] tbody tr").first();
}

test("cards: blocked as stolen for good, a limit changed, a read-only operator sees no command", async ({
  page,
  browser,
}) => {
  await page.goto("/profiles");
  await logIn(page, admin.username, admin.password);

  // Block as stolen: the dialog says it is final, and it is.
  let row = await cardRow(page, 14);
  await expect(row.getByTestId("card-status")).toHaveText("Active");
  const cardId = Number((await row.locator("td").first().textContent()) ?? "0");
  await row.getByRole("button", { name: "Block card" }).click();
  const block = page.getByRole("dialog", { name: "Block card" });
  await block.getByLabel("Reason").selectOption({ label: "Stolen" });
  await expect(block.getByRole("note")).toContainText("Stolen is final");
  await block.getByRole("button", { name: "Block" }).click();
  await expect(block).toBeHidden();
  await expect(row.getByTestId("card-status")).toHaveText("Stolen");
  for (const name of ["Block card", "Unlock card", "Update card settings", "Activate card"]) {
    await expect(row.getByRole("button", { name })).toHaveCount(0);
  }
  // The server refuses to unlock it, whatever the page offers.
  const refused = await page.request.post("/api/cards/status", {
    headers: { "x-backoffice-request": "1" },
    data: { id: cardId, status: "Unlock" },
  });
  expect(refused.status()).toBe(409);
  expect(await refused.text()).toContain("never");

  // Change a limit on another card: the row shows it at once.
  row = await cardRow(page, 26);
  await row.getByRole("button", { name: "Update card settings" }).click();
  const settings = page.getByRole("dialog", { name: "Update card settings" });
  await settings.getByLabel("Payments per day").fill("5000");
  await settings.getByRole("button", { name: "Save settings" }).click();
  await expect(settings.getByRole("alert")).toContainText("is above Payments per week");
  await expect(settings.getByLabel("Payments per day")).toHaveValue("5000");
  await settings.getByLabel("Payments per day").fill("250");
  await settings.getByLabel("Contactless (NFC)").uncheck();
  await settings.getByRole("button", { name: "Save settings" }).click();
  await expect(settings).toBeHidden();
  await expect(row.getByTestId("card-limits")).toContainText("Payments 250.00 EUR a day");
  await expect(row).not.toContainText("contactless");

  // Both show in All Cards at once, found with filters kept in the URL.
  await page.goto("/cards");
  await expect(page.getByRole("table", { name: "Cards" })).toBeVisible();
  const filters = page.getByRole("form", { name: "Filters" });
  await filters.getByLabel("Status").selectOption({ label: "Stolen" });
  await expect(page).toHaveURL(/status=STOLEN/);
  await expect(page.locator(`tr[data-card-id="${cardId}"]`)).toContainText("Stolen");
  await filters.getByLabel("User id").fill("26");
  await filters.getByLabel("User id").press("Tab");
  await expect(page).toHaveURL(/userId=26/);
  await expect(page.getByText("No card matches these filters.")).toBeVisible();
  await page.getByRole("button", { name: "Clear" }).click();
  await filters.getByLabel("User id").fill("26");
  await filters.getByLabel("User id").press("Tab");
  const twentySix = page.locator("table[aria-label='Cards'] tbody tr");
  await expect(twentySix).toHaveCount(1);
  await expect(twentySix).toContainText("User #26");
  await twentySix.click();
  await expect(page).toHaveURL(/\/profiles$/);
  await expect(board(page).getByRole("heading", { level: 2 })).toContainText("#26");

  // A read-only operator sees devices and cards, and no command.
  const reader = await operator(page, browser, "reader", "Support User – Read only");
  row = await cardRow(reader, 26);
  await expect(row.getByTestId("card-limits")).toContainText("250.00 EUR");
  for (const name of ["Block card", "Unlock card", "Update card settings", "Activate card"]) {
    await expect(row.getByRole("button", { name })).toHaveCount(0);
  }
  await row.getByRole("button", { name: "Transactions" }).click();
  const details = reader.getByRole("dialog", { name: /^Card #/ });
  await expect(details.getByRole("table", { name: "Card transactions" }).locator("tbody tr")).toHaveCount(4);
  await details.getByRole("link", { name: "All transactions of this card" }).click();
  await expect(reader).toHaveURL(/\/card-transactions\?cardId=/);
  await expect(reader.getByRole("table", { name: "Card transactions" }).locator("tbody tr")).toHaveCount(4);
  await expect(reader.getByTestId("pager-status")).toHaveText("4 transactions");
  await openUser(reader, 13);
  await expect(fact(reader, "Status")).toHaveText(/Active|Locked/);
  const menu = await scaMenu(reader);
  await expect(menu.getByRole("menuitem")).toHaveText(["View deleted devices"]);
});

test("Predef Restriction Groups: an Administrator adds a country group and applies it to a card", async ({ page }) => {
  await page.goto("/restriction-groups");
  await logIn(page, admin.username, admin.password);
  await page.getByRole("button", { name: "Add a country group" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a country group" });
  const name = `EU only ${Date.now().toString(36)}`;
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Countries").fill("fr, de, XX");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.getByRole("alert")).toContainText('"XX" is not an ISO 3166-1 country code');
  await expect(dialog.getByLabel("Countries")).toHaveValue("fr, de, XX");
  await dialog.getByLabel("Countries").fill("fr, de, es");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  const row = page.locator(`tr[data-group-name="${name}"]`);
  await expect(row).toContainText("FR, DE, ES");
  await expect(row).toContainText("Only these");

  // Applied in a card's settings, and kept.
  const card = await cardRow(page, 18);
  await card.getByRole("button", { name: "Update card settings" }).click();
  let settings = page.getByRole("dialog", { name: "Update card settings" });
  await settings.getByLabel("Country restriction group").selectOption({ label: `${name} (only FR, DE, ES)` });
  await settings.getByRole("button", { name: "Save settings" }).click();
  await expect(settings).toBeHidden();
  await expect(page.getByRole("status")).toContainText("are saved");
  await card.getByRole("button", { name: "Update card settings" }).click();
  settings = page.getByRole("dialog", { name: "Update card settings" });
  await expect(settings.getByLabel("Country restriction group").locator("option:checked")).toHaveText(
    `${name} (only FR, DE, ES)`,
  );
  await settings.getByRole("button", { name: "Cancel" }).click();

  // Canceled, it is kept and no card can take it any more.
  await page.goto("/restriction-groups");
  await row.getByRole("button", { name: "Cancel" }).click();
  await page.getByRole("dialog", { name: "Cancel restriction group" }).getByRole("button", { name: "Cancel the group" }).click();
  await expect(row).toContainText("Canceled");
  await expect(row.getByRole("button")).toHaveCount(0);
});

test("Bulk Cards: an Administrator uploads a CSV; good lines get a card, bad lines say why", async ({ page }) => {
  await page.goto("/bulk-cards");
  await logIn(page, admin.username, admin.password);
  await page.getByRole("button", { name: "Create the cards" }).click();
  await expect(page.getByRole("alert")).toContainText("Choose a CSV file first.");
  // Users 20 and 24 own wallets 20 and 24 (seed-demo); wallet 24 is not user 20's.
  const csv = "userId,walletId,cardTag\n20,20,bulk\n24,24,bulk\n20,24,bulk\n";
  await page.getByLabel("CSV file").setInputFiles({ name: "cards.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Create the cards" }).click();
  await expect(page.getByTestId("bulk-progress")).toContainText("3 of 3 lines handled — 2 cards created, 1 refused.");
  const report = page.getByRole("table", { name: "Bulk report" });
  await expect(report.locator('tr[data-line="2"]')).toContainText("Card created");
  await expect(report.locator('tr[data-line="4"]')).toContainText("This wallet belongs to another user.");

  // The new card is on the user's Cards tab, not activated yet.
  const created = (await report.locator('tr[data-line="2"] td').nth(4).textContent())!.replace("#", "").trim();
  await search(page, { "User Id": "20" });
  await board(page).getByRole("tab", { name: "Cards", exact: true }).click();
  const row = board(page).locator(`tr[data-testid="card-${created}"]`);
  await expect(row).toContainText("No");
  await row.getByRole("button", { name: "Activate card" }).click();
  await page.getByRole("dialog", { name: "Activate card" }).getByRole("button", { name: "Activate" }).click();
  await expect(row.locator("td").nth(4)).toHaveText("Yes");
});
