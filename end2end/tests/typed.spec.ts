import { expect, test, type Page } from "@playwright/test";
import { admin, logIn } from "./helpers";

// What the typed domain shows people: amounts with their currency's exponent, card states
// in words, fields the profile used to omit, and a readable API reference.

async function openUser(page: Page, id: number) {
  await page.goto(`/profiles?userId=${id}`);
  await logIn(page, admin.username, admin.password);
  await expect(page.getByRole("tab", { name: new RegExp(`#${id}$`) })).toBeVisible();
}

const board = (page: Page) => page.locator("#user-board");

test("amounts show with their own currency's exponent", async ({ page }) => {
  // Demo data: user 7 also holds yen, user 22 dinars (and both euros).
  await openUser(page, 7);
  await board(page).getByRole("tab", { name: "Wallets", exact: true }).click();
  const yen = board(page).getByTestId("wallet-balance").filter({ hasText: "JPY" });
  await expect(yen).toHaveText(/^[0-9,]+ JPY$/);
  const euros = board(page).getByTestId("wallet-balance").filter({ hasText: "EUR" });
  await expect(euros).toHaveText(/^[0-9,]+\.[0-9]{2} EUR$/);

  await page.goto("/profiles?userId=22");
  await page.getByRole("tab", { name: /#22$/ }).click();
  await board(page).getByRole("tab", { name: "Wallets", exact: true }).click();
  const dinars = board(page).getByTestId("wallet-balance").filter({ hasText: "KWD" });
  await expect(dinars).toHaveText(/^[0-9,]+\.[0-9]{3} KWD$/);
});

test("card states read as words and the profile shows the US person flag", async ({ page }) => {
  await openUser(page, 10);
  await expect(board(page).locator("dt:text-is('US person') + dd")).toHaveText(/^(Yes|No)$/);
  await board(page).getByRole("tab", { name: "Cards", exact: true }).click();
  const status = board(page).locator("table[aria-label='Cards'] tbody tr td:nth-child(3)").first();
  await expect(status).toHaveText(/^(Active|Locked)$/);
});

test("the API reference keeps its text inside its columns", async ({ page }) => {
  await page.goto("/api-reference");
  await expect(page.getByRole("heading", { name: "API reference" })).toBeVisible();
  const overflow = await page.evaluate(() => {
    const nav = document.querySelector("nav")!;
    return { nav: nav.scrollWidth - nav.clientWidth, page: document.documentElement.scrollWidth - window.innerWidth };
  });
  expect(overflow.nav).toBeLessThanOrEqual(1);
  expect(overflow.page).toBeLessThanOrEqual(1);
});
