/// <reference lib="dom" />
/**
 * The depositor page: wires the DOM to the pure modules. Reads go through a JsonRpcProvider on
 * the configured RPC URL (no wallet needed); writes go through the EIP-1193 wallet
 * (`window.ethereum`), each simulated first (tx.ts) and refused when the simulation reverts.
 * Everything this file renders comes from chain.ts (reads) and state.ts (derivations).
 */
import { BrowserProvider, JsonRpcProvider } from "ethers";
import type { Eip1193Provider, JsonRpcSigner } from "ethers";
import {
  AmountError,
  assetsPerShare,
  formatAmount,
  formatBps,
  formatDuration,
  formatTimestamp,
  formatWadPercent,
  parseAmount,
  shortAddress,
} from "./amounts.ts";
import {
  bindContracts,
  errorAbis,
  loadAbis,
  parseAppConfig,
  readExposure,
  readHistory,
  readPendingChanges,
  readHoldings,
  readInKindPreview,
  readPosition,
  readSnapshot,
  readVaultInfo,
} from "./chain.ts";
import type { Abis, AppConfig, Contracts, HistoryScan, MetaCache, VaultInfo } from "./chain.ts";
import { makeDecoder, reportError } from "./errors.ts";
import type { ErrorContext, RevertDecoder } from "./errors.ts";
import {
  cancelLockEnd,
  cancelLockReason,
  deriveActions,
  deriveBanner,
  feeFacts,
  historyRows,
  holdingRows,
  holdingsNote,
  inKindPreview,
  limitFacts,
  pendingRows,
  queueLockNote,
  riskView,
  splitRedeem,
} from "./state.ts";
import type {
  ActionState,
  ExposureInput,
  HoldingInput,
  PendingScan,
  Position,
  TokenMeta,
  VaultSnapshot,
} from "./state.ts";
import { contractCall, simulateAndSend } from "./tx.ts";
import type { ContractMethod, TxUpdate } from "./tx.ts";

interface Wallet {
  readonly eth: Eip1193Provider;
  readonly provider: BrowserProvider;
  readonly signer: JsonRpcSigner;
  readonly account: string;
  readonly chainOk: boolean;
  readonly contracts: Contracts;
}

/** Everything the page knows; one object passed around, no module-level mutable state. */
interface App {
  readonly cfg: AppConfig;
  readonly abis: Abis;
  readonly decode: RevertDecoder;
  readonly reader: JsonRpcProvider;
  readonly meta: MetaCache;
  info: VaultInfo | null;
  read: Contracts | null;
  snapshot: VaultSnapshot | null;
  holdings: readonly HoldingInput[];
  position: Position | null;
  /** The vault events read so far: each refresh reads only the blocks after it. */
  history: HistoryScan | null;
  wallet: Wallet | null;
  busy: boolean;
  refreshing: Promise<void> | null;
  /** The latest block's timestamp at the last refresh and this computer's time then (ms). */
  chainClock: { blockTs: bigint; readAtMs: number } | null;
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider & {
      on?: (event: string, cb: (...args: unknown[]) => void) => void;
    };
  }
}

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`missing #${id}`);
  return e as T;
}

function setFacts(id: string, rows: readonly (readonly [string, string])[]): void {
  const dl = el(id);
  dl.replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      return [dt, dd];
    }),
  );
}

function setRows(
  tableId: string,
  rows: readonly (readonly (readonly [string, string?])[])[],
): void {
  const tbody = el(tableId).querySelector("tbody");
  if (tbody === null) return;
  tbody.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement("tr");
      for (const [text, cls] of cells) {
        const td = document.createElement("td");
        td.textContent = text;
        if (cls !== undefined) td.className = cls;
        tr.append(td);
      }
      return tr;
    }),
  );
}

function note(id: string, text: string, error = false): void {
  const p = el(id);
  p.textContent = text;
  p.classList.toggle("error", error);
}

function errorContext(app: App, erc20Unit: "base" | "share" = "base"): ErrorContext {
  return {
    baseSymbol: app.info?.base.symbol ?? "base",
    baseDecimals: app.info?.base.decimals ?? 18,
    shareSymbol: app.info?.share.symbol ?? "shares",
    shareDecimals: app.info?.share.decimals ?? 18,
    erc20Unit,
  };
}

/** `units` of `token` with at most `digits` decimals and its symbol; raw units before a read. */
function amountOf(token: TokenMeta | undefined, units: bigint, digits: number): string {
  return token === undefined
    ? units.toString()
    : `${formatAmount(units, token.decimals, digits)} ${token.symbol}`;
}

/**
 * Now in chain seconds, for the cancel lock (the vault compares `block.timestamp`): the latest
 * block's time read at the last refresh plus the wall time since; this computer's clock before
 * the first read. A local node whose clock was moved (evm_increaseTime) stays right; the vault's
 * own check decides in any case, and every call is simulated first.
 */
function nowSeconds(app: App): bigint {
  const wall = Date.now();
  if (app.chainClock === null) return BigInt(Math.floor(wall / 1000));
  return app.chainClock.blockTs + BigInt(Math.floor((wall - app.chainClock.readAtMs) / 1000));
}

function base(app: App, units: bigint, digits = 2): string {
  return amountOf(app.info?.base, units, digits);
}

function shares(app: App, units: bigint, digits = 6): string {
  return amountOf(app.info?.share, units, digits);
}

// ------------------------------------------------------------------ rendering

function renderInfo(app: App, info: VaultInfo): void {
  el("vault-name").textContent =
    `${info.share.name} (${info.share.symbol}) · vault ${app.cfg.vault} · chain ${app.cfg.chainId}`;
  document.querySelectorAll(".base-symbol").forEach((e) => (e.textContent = info.base.symbol));
  document.querySelectorAll(".share-symbol").forEach((e) => (e.textContent = info.share.symbol));
  setFacts(
    "limits",
    limitFacts(info.limits, (u) => base(app, u)),
  );
  setFacts("fees", feeFacts(info.fees));
}

/** The "Queued changes" card: what the curator has queued, and from when anyone may apply it. */
function renderPending(app: App, info: VaultInfo, scan: PendingScan | null): void {
  if (scan === null) {
    setRows("queued", [[["—"], ["Not available"], ["this vault has no pendingChange view"]]]);
    note("queued-note", "");
    return;
  }
  const rows = pendingRows(scan.changes, info, (u) => base(app, u), nowSeconds(app));
  setRows(
    "queued",
    rows.length === 0
      ? [[["—"], ["Nothing queued"], [""]]]
      : rows.map((r) => [[r.what], [r.change], [r.from]]),
  );
  note(
    "queued-note",
    scan.adaptersChecked
      ? ""
      : "Queued adapter changes are not listed: that needs the vault's lens (BallastLens), which this page has no address for.",
  );
}

function renderRisk(
  app: App,
  s: VaultSnapshot,
  holdings: readonly HoldingInput[],
  exposure: ExposureInput | null,
): void {
  const info = app.info;
  if (info === null) return;
  const l = info.limits;
  const r = riskView(s, holdings, l, exposure);
  const unbounded = exposure !== null && exposure.ok && r.leverageBps === null;
  const modeText: Record<typeof r.mode, string> = {
    open: "open: deposits and withdrawals",
    paused: "paused by the guardian: deposits and rebalances stopped, withdrawals open",
    defensive:
      "defensive: the circuit breaker tripped; deposits closed, rebalances may only de-risk",
    "shut down": "shut down for good: deposits closed, in-kind exit open",
  };
  // while a feed fails the vault cannot price deposits, whatever its mode (maxDeposit is 0)
  const vaultText =
    r.mode === "open" && !s.navAvailable
      ? "open, but a price feed is down: deposits wait for it; withdrawals of idle funds open"
      : modeText[r.mode];
  setFacts("risk", [
    ["Vault", vaultText],
    [
      "Deposit cap room",
      r.capRoom === null
        ? `unknown (feed down) of ${base(app, l.depositCap)}`
        : `${base(app, r.capRoom)} of ${base(app, l.depositCap)}`,
    ],
    [
      "Loss budget left",
      `${formatWadPercent(r.lossBudgetLeftWad)} of ${formatWadPercent(s.lossBudgetCapWad)} of NAV (per ${formatDuration(l.lossWindow)})`,
    ],
    [
      "Leverage now",
      `${r.leverageBps !== null ? formatBps(r.leverageBps) : unbounded ? "unbounded (NAV 0)" : "unknown (feed down)"} (max ${formatBps(r.maxLeverageBps)})`,
    ],
    [
      "Gross exposure",
      r.grossExposure !== null
        ? `${base(app, r.grossExposure)} (holdings + debts at oracle prices, as the vault's leverage bound counts them)`
        : r.fromLens
          ? "unknown (feed down)"
          : "needs the lens",
    ],
    [
      "Circuit breaker",
      s.defensive
        ? `tripped: defensive mode (trips on a ${formatBps(l.circuitBreakerDropBps)} drop within ${formatDuration(l.circuitBreakerWindow)})`
        : `armed: trips on a ${formatBps(l.circuitBreakerDropBps)} drop of the price per share within ${formatDuration(l.circuitBreakerWindow)}`,
    ],
    ["Price feeds", s.navAvailable ? "answering" : "failing: NAV unavailable"],
  ]);
}

function renderSnapshot(app: App, s: VaultSnapshot): void {
  const info = app.info;
  if (info === null) return;
  const banner = deriveBanner(s);
  const b = el("banner");
  b.className = `banner ${banner.level}`;
  el("banner-title").textContent = `Status: ${banner.title}`;
  el("banner-text").textContent = banner.text;
  const pps = s.navAvailable
    ? `${formatAmount(assetsPerShare(s.pricePerShareWad, info.share.decimals), info.base.decimals, 6)} ${info.base.symbol}`
    : `unavailable (feed down); withdrawals now pay at most ${formatAmount(assetsPerShare(s.lastGoodPpsWad, info.share.decimals), info.base.decimals, 6)} ${info.base.symbol} per share (last good price)`;
  const lock = queueLockNote(s, nowSeconds(app));
  setFacts("overview", [
    ["NAV (total assets)", s.navAvailable ? base(app, s.nav) : "unavailable (feed down)"],
    ["Price per share", pps],
    ["Total supply", shares(app, s.totalSupply, 4)],
    ["Idle base", base(app, s.idle)],
    ["Reserved for claims", base(app, s.reservedAssets)],
    ["Lending collateral", base(app, s.lendingCollateral)],
    [
      "Waiting redemptions",
      `${shares(app, s.pendingShares, 4)} (epoch ${s.currentEpoch})${lock === "" ? "" : `, ${lock}`}`,
    ],
    ["Last rebalance", s.lastRebalanceAt === 0n ? "never" : formatTimestamp(s.lastRebalanceAt)],
    [
      "Flags",
      `paused: ${s.paused ? "yes" : "no"} · defensive: ${s.defensive ? "yes" : "no"} · shut down: ${s.shutdown ? "yes" : "no"}`,
    ],
  ]);
}

function renderPosition(app: App): void {
  const p = app.position;
  const w = app.wallet;
  el("wallet-actions").hidden = p === null || w === null;
  el("exit-form").hidden = app.snapshot?.shutdown !== true;
  if (p === null || w === null) {
    setFacts("position", [["Wallet", "not connected — connect to deposit or withdraw"]]);
  } else {
    setFacts("position", [
      ["Account", shortAddress(p.account)],
      ["Your shares", shares(app, p.shares)],
      ["Value at the NAV price", p.value === null ? "unavailable (feed down)" : base(app, p.value)],
      ["Wallet balance", base(app, p.baseBalance)],
      ["Max deposit", base(app, p.maxDeposit)],
      ["Max withdraw now", base(app, p.maxWithdraw)],
      ["Max redeem now", shares(app, p.maxRedeem)],
      ["Pending request", shares(app, p.pendingShares)],
      ["Claimable", `${shares(app, p.claimableShares)} = ${base(app, p.claimableAssets)}`],
    ]);
    const parts: string[] = [];
    if (p.pendingShares > 0n) {
      parts.push(`Pending: ${shares(app, p.pendingShares)} waiting for fulfilment.`);
      const now = nowSeconds(app);
      const lockEnd = app.snapshot === null ? null : cancelLockEnd(app.snapshot, now);
      if (lockEnd !== null) parts.push(cancelLockReason(lockEnd, now));
    }
    if (p.claimableShares > 0n) parts.push(`Claimable: ${base(app, p.claimableAssets)}.`);
    if (parts.length === 0) parts.push("No open redemption request.");
    note("requests-note", parts.join(" "));
  }
  renderActions(app);
}

function setAction(ids: readonly string[], state: ActionState, busy: boolean): void {
  for (const id of ids) {
    const b = el<HTMLButtonElement>(id);
    b.disabled = busy || !state.enabled;
    b.title = state.reason;
  }
}

/** Shows why the actions of a form are closed (each distinct reason once), or nothing. */
function why(id: string, ...states: ActionState[]): void {
  const reasons = [...new Set(states.filter((x) => !x.enabled).map((x) => x.reason))];
  el(id).textContent = reasons.join(" ");
}

function renderActions(app: App): void {
  const s = app.snapshot;
  if (s === null) return;
  const a = deriveActions(s, app.position, app.wallet?.chainOk ?? false, nowSeconds(app));
  setAction(["deposit-submit", "deposit-max"], a.deposit, app.busy);
  setAction(["withdraw-submit", "withdraw-max", "redeem-now"], a.withdrawNow, app.busy);
  setAction(["request-redeem", "redeem-all"], a.requestRedeem, app.busy);
  setAction(["cancel-request"], a.cancelRequest, app.busy);
  setAction(["claim"], a.claim, app.busy);
  setAction(["fulfil"], a.fulfil, app.busy);
  setAction(["exit-submit", "exit-all"], a.exitInKind, app.busy);
  why("deposit-why", a.deposit);
  why("withdraw-why", a.withdrawNow);
  why("redeem-why", a.withdrawNow, a.requestRedeem);
  why("exit-why", a.exitInKind);
  if (app.wallet === null) note("requests-note", a.claim.reason);
}

// ------------------------------------------------------------------ reading

/** Reads everything again and renders it; a call during a read waits for it, then reads anew. */
async function refresh(app: App): Promise<void> {
  while (app.refreshing !== null) await app.refreshing;
  app.refreshing = (async () => {
    try {
      // limits and fees can change (curator, timelock): read them on every refresh
      const info = await readVaultInfo(app.cfg, app.abis, app.reader, app.meta);
      app.info = info;
      app.read ??= bindContracts(app.cfg, app.abis, info.base.address, app.reader);
      renderInfo(app, info);
      const read = app.read;
      const readAtMs = Date.now();
      const [snapshot, holdings, exposure, history, block, pending] = await Promise.all([
        readSnapshot(read, app.decode, info.feedLabels),
        readHoldings(read, info, app.abis.erc20, app.reader, app.reader),
        readExposure(read),
        readHistory(read.vault, app.reader, app.history).catch(() => null),
        app.reader.getBlock("latest").catch(() => null),
        readPendingChanges(read, info, app.abis.erc20, app.reader, app.meta),
      ]);
      if (block !== null) app.chainClock = { blockTs: BigInt(block.timestamp), readAtMs };
      renderPending(app, info, pending);
      app.snapshot = snapshot;
      app.holdings = holdings;
      app.history = history ?? app.history;
      renderSnapshot(app, snapshot);
      renderRisk(app, snapshot, holdings, exposure);
      setRows(
        "holdings",
        holdingRows(holdings, info.base).map((r) => [
          [r.asset],
          [r.balance],
          [r.value],
          [r.weight, r.headroom],
        ]),
      );
      note("holdings-note", holdingsNote(holdings, app.cfg.lens !== null, snapshot.navError));
      if (history === null)
        setRows("history", [[["—"], ["History unavailable"], ["the node refused eth_getLogs"]]]);
      else {
        const rows = historyRows(history.events, info.base, info.share);
        setRows(
          "history",
          rows.length === 0
            ? [[["—"], ["No events yet"], [""]]]
            : rows.map((r) => [[String(r.block)], [r.kind], [r.detail]]),
        );
      }
      app.position = app.wallet === null ? null : await readPosition(read, app.wallet.account);
      renderPosition(app);
      el("footer").textContent =
        `Read from ${app.cfg.rpcUrl} at ${new Date().toISOString()}. This page never depends on the keeper.`;
    } catch (err) {
      const r = reportError(err, app.decode, errorContext(app));
      el("banner").className = "banner danger";
      el("banner-title").textContent = "Status: cannot read the vault";
      el("banner-text").textContent = `${r.message} (RPC ${app.cfg.rpcUrl})`;
    } finally {
      app.refreshing = null;
    }
  })();
  return app.refreshing;
}

// ------------------------------------------------------------------ wallet

function disconnect(app: App, message: string): void {
  app.wallet?.provider.destroy();
  app.wallet = null;
  app.position = null;
  el("wallet-status").textContent = message;
  el("connect").textContent = "Connect wallet";
  el("switch-chain").hidden = true;
  renderPosition(app);
}

/**
 * Connects the wallet (`eth_requestAccounts`, or `eth_accounts` when `ask` is false: after an
 * account or chain change) and checks its chain against the vault's; on another chain the page
 * offers wallet_switchEthereumChain and keeps every action closed.
 */
async function connect(app: App, ask = true): Promise<void> {
  const eth = window.ethereum;
  if (eth === undefined) {
    el("wallet-status").textContent =
      "No wallet found: install a browser wallet (EIP-1193). The page stays read-only.";
    return;
  }
  if (app.info === null) {
    el("wallet-status").textContent = "Still reading the vault; try again in a moment.";
    return;
  }
  try {
    const accounts = (await eth.request({
      method: ask ? "eth_requestAccounts" : "eth_accounts",
    })) as string[];
    if (accounts.length === 0) {
      disconnect(app, "Wallet disconnected: the page is read-only.");
      return;
    }
    const chainHex = (await eth.request({ method: "eth_chainId" })) as string;
    const chainId = Number(BigInt(chainHex));
    const chainOk = chainId === app.cfg.chainId;
    app.wallet?.provider.destroy(); // a reconnect replaces the provider
    const provider = new BrowserProvider(eth, "any", { pollingInterval: 500 });
    const signer = await provider.getSigner(accounts[0]);
    const account = await signer.getAddress();
    const contracts = bindContracts(app.cfg, app.abis, app.info.base.address, signer);
    app.wallet = { eth, provider, signer, account, chainOk, contracts };
    el("wallet-status").textContent = chainOk
      ? `Connected: ${account} (chain ${chainId})`
      : `Wrong network: your wallet is on chain ${chainId}, the vault is on chain ${app.cfg.chainId}. Switch your wallet to chain ${app.cfg.chainId} to deposit or withdraw.`;
    el("switch-chain").hidden = chainOk;
    el("connect").textContent = "Reconnect";
  } catch (err) {
    const r = reportError(err, app.decode, errorContext(app));
    el("wallet-status").textContent = r.rejected
      ? "You declined the connection in your wallet. The page stays read-only."
      : `Could not connect: ${r.message}`;
    return;
  }
  await refresh(app);
}

/** Asks the wallet to switch to the vault's chain (adding it when the wallet does not know it). */
async function switchChain(app: App): Promise<void> {
  const eth = window.ethereum;
  if (eth === undefined) return;
  const chainId = `0x${app.cfg.chainId.toString(16)}`;
  try {
    try {
      await eth.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
    } catch (err) {
      // 4902: the wallet does not know the chain (EIP-3085 / MetaMask convention)
      const code = (err as { code?: unknown } | null)?.code;
      if (code !== 4902) throw err;
      await eth.request({
        method: "wallet_addEthereumChain",
        params: [
          {
            chainId,
            chainName: `Ballast vault chain ${app.cfg.chainId}`,
            rpcUrls: [app.cfg.rpcUrl],
            nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
          },
        ],
      });
    }
  } catch (err) {
    const r = reportError(err, app.decode, errorContext(app));
    el("wallet-status").textContent = r.rejected
      ? `You declined the network switch; your wallet stays on its network and the page stays read-only until it is on chain ${app.cfg.chainId}.`
      : `Could not switch networks: ${r.message}`;
    return;
  }
  await connect(app, false);
}

// ------------------------------------------------------------------ transactions

/** One transaction of an action; `unit` says which token its ERC-20 errors are about. */
interface Step {
  readonly label: string;
  readonly method: ContractMethod;
  readonly args: readonly unknown[];
  readonly unit: "base" | "share";
}

function logTx(u: TxUpdate, app: App, unit: "base" | "share"): void {
  const list = el("tx-log");
  const id = `tx-${u.label.replace(/[^a-z0-9]+/gi, "-")}`;
  let li = list.querySelector<HTMLLIElement>(`li[data-id="${id}"]`);
  if (li === null) {
    li = document.createElement("li");
    li.dataset.id = id;
    list.prepend(li);
  }
  li.className = u.phase;
  const text: Record<TxUpdate["phase"], string> = {
    simulating: "simulating…",
    reverted: "would revert, not sent",
    signing: "waiting for your wallet…",
    pending: "pending",
    confirmed: "confirmed",
    failed: "failed",
    rejected: "declined in the wallet",
  };
  let line = `${u.label}: ${text[u.phase]}`;
  if (u.hash !== undefined) line += ` (${shortAddress(u.hash)})`;
  if (u.error !== undefined) {
    const r = reportError(u.error, app.decode, errorContext(app, unit));
    line += ` — ${r.decoded === null ? "" : `${r.decoded}: `}${r.message}`;
  }
  li.textContent = line;
}

/**
 * Runs the prepared calls in order (each simulated before it is sent), stopping at the first that
 * does not confirm; its error also goes to the form's note `noteId` (the typed input is kept).
 */
async function runCalls(app: App, steps: readonly Step[], noteId: string): Promise<boolean> {
  app.busy = true;
  renderActions(app);
  try {
    for (const { label, method, args, unit } of steps) {
      // a fresh id per run, so that repeated actions get their own log line
      const tagged = `${label} #${el("tx-log").children.length + 1}`;
      const res = await simulateAndSend(contractCall(tagged, method, args), (u) =>
        logTx(u, app, unit),
      );
      if (!res.ok) {
        const r = reportError(res.error, app.decode, errorContext(app, unit));
        const what =
          res.phase === "reverted"
            ? `${label}: not sent, the simulation reverts. `
            : res.phase === "rejected"
              ? ""
              : `${label} failed. `;
        note(noteId, `${what}${r.message}`, !r.rejected);
        return false;
      }
    }
    return true;
  } finally {
    app.busy = false;
    await refresh(app);
  }
}

/** {@link runCalls} for the form of `inputId`: once every call confirms, clears it and its note. */
async function runForm(
  app: App,
  steps: readonly Step[],
  inputId: string,
  noteId: string,
): Promise<void> {
  if (await runCalls(app, steps, noteId)) {
    el<HTMLInputElement>(inputId).value = "";
    note(noteId, "");
  }
}

function method(c: { getFunction(name: string): unknown }, name: string): ContractMethod {
  return c.getFunction(name) as ContractMethod;
}

/** The wallet's call of the vault's `name` (its ERC-20 errors are about the share token). */
function vaultStep(w: Wallet, label: string, name: string, args: readonly unknown[]): Step {
  return { label, method: method(w.contracts.vault, name), args, unit: "share" };
}

function readAmount(inputId: string, noteId: string, token: TokenMeta): bigint | null {
  const input = el<HTMLInputElement>(inputId);
  try {
    const v = parseAmount(input.value, token.decimals, { symbol: token.symbol });
    input.removeAttribute("aria-invalid");
    return v;
  } catch (err) {
    input.setAttribute("aria-invalid", "true");
    note(noteId, err instanceof AmountError ? err.message : String(err), true);
    return null;
  }
}

function ready(app: App): { w: Wallet; p: Position; info: VaultInfo } | null {
  if (app.wallet === null || app.position === null || app.info === null) return null;
  if (!app.wallet.chainOk) return null;
  return { w: app.wallet, p: app.position, info: app.info };
}

async function onDeposit(app: App): Promise<void> {
  const r = ready(app);
  if (r === null) return;
  const amount = readAmount("deposit-amount", "deposit-note", r.info.base);
  if (amount === null) return;
  if (amount > r.p.baseBalance) {
    note("deposit-note", `Your wallet holds only ${base(app, r.p.baseBalance, 6)}.`, true);
    return;
  }
  if (amount > r.p.maxDeposit) {
    note("deposit-note", `The vault accepts at most ${base(app, r.p.maxDeposit, 6)} now.`, true);
    return;
  }
  const { vault, base: token } = r.w.contracts;
  const shown = base(app, amount, 6);
  const deposit: Step = {
    label: `Deposit ${shown}`,
    method: method(vault, "deposit"),
    args: [amount, r.w.account],
    unit: "base",
  };
  // exact approval: never more than this deposit
  const approve: Step = {
    label: `Approve ${shown}`,
    method: method(token, "approve"),
    args: [app.cfg.vault, amount],
    unit: "base",
  };
  const steps = r.p.allowance < amount ? [approve, deposit] : [deposit];
  await runForm(app, steps, "deposit-amount", "deposit-note");
}

async function onWithdraw(app: App): Promise<void> {
  const r = ready(app);
  if (r === null) return;
  const amount = readAmount("withdraw-amount", "withdraw-note", r.info.base);
  if (amount === null) return;
  const args = [amount, r.w.account, r.w.account];
  const step = vaultStep(r.w, `Withdraw ${base(app, amount, 6)}`, "withdraw", args);
  await runForm(app, [step], "withdraw-amount", "withdraw-note");
}

async function onRedeem(app: App, queued: boolean): Promise<void> {
  const r = ready(app);
  if (r === null) return;
  const amount = readAmount("redeem-shares", "redeem-note", r.info.share);
  if (amount === null) return;
  if (amount > r.p.shares) {
    note("redeem-note", `You hold only ${shares(app, r.p.shares)}.`, true);
    return;
  }
  const label = `${queued ? "Request redemption of" : "Redeem"} ${shares(app, amount)}`;
  // requestRedeem(shares, controller, owner) and redeem(shares, receiver, owner): the depositor
  // is all three
  const args = [amount, r.w.account, r.w.account];
  const step = vaultStep(r.w, label, queued ? "requestRedeem" : "redeem", args);
  await runForm(app, [step], "redeem-shares", "redeem-note");
}

async function onSimple(
  app: App,
  label: string,
  name: string,
  args: (w: Wallet, p: Position) => unknown[],
): Promise<void> {
  const r = ready(app);
  if (r === null) return;
  await runCalls(app, [vaultStep(r.w, label, name, args(r.w, r.p))], "requests-note");
}

/**
 * Anyone may fulfil the waiting requests; `fulfilRedemptions()` succeeds without doing anything
 * when idle funds do not cover the whole epoch, so its simulated result is checked first.
 */
async function onFulfil(app: App): Promise<void> {
  const r = ready(app);
  if (r === null) return;
  try {
    const would = (await r.w.contracts.vault
      .getFunction("fulfilRedemptions")
      .staticCall()) as boolean;
    const s = app.snapshot;
    if (!would && s !== null && s.pendingShares > 0n) {
      note(
        "requests-note",
        `The idle funds (${base(app, s.idle)}) do not cover the waiting requests now (no partial fulfilment): they are fulfilled when the keeper frees funds in a rebalance.`,
        true,
      );
      return;
    }
  } catch {
    // the transaction's own simulation reports the revert
  }
  await onSimple(app, "Fulfil redemptions", "fulfilRedemptions", () => []);
}

async function onExit(app: App): Promise<void> {
  const r = ready(app);
  if (r === null) return;
  const amount = readAmount("exit-shares", "exit-note", r.info.share);
  if (amount === null) return;
  const args = [amount, r.w.account, r.w.account];
  const step = vaultStep(r.w, `Exit in kind with ${shares(app, amount)}`, "exitInKind", args);
  await runForm(app, [step], "exit-shares", "exit-note");
}

// ------------------------------------------------------------------ previews

/**
 * Runs a preview for what is typed in `inputId`: parses it with `decimals`, awaits `describe`
 * and writes the sentence (or the reason it failed) to `noteId` — unless the input changed
 * meanwhile (a later keystroke's preview wins). The input itself is never touched.
 */
async function preview(
  app: App,
  inputId: string,
  noteId: string,
  token: "base" | "share",
  describe: (amount: bigint, info: VaultInfo, read: Contracts) => Promise<[string, boolean]>,
): Promise<void> {
  const info = app.info;
  const read = app.read;
  if (info === null || read === null) return;
  const input = el<HTMLInputElement>(inputId);
  const typed = input.value;
  if (typed.trim() === "") {
    input.removeAttribute("aria-invalid");
    return note(noteId, "");
  }
  const meta = info[token];
  let text: string;
  let isError: boolean;
  let invalid = false;
  try {
    const amount = parseAmount(typed, meta.decimals, { symbol: meta.symbol });
    [text, isError] = await describe(amount, info, read);
  } catch (err) {
    invalid = err instanceof AmountError;
    isError = true;
    text = invalid
      ? (err as AmountError).message
      : `No preview: ${reportError(err, app.decode, errorContext(app)).message}`;
  }
  if (input.value !== typed) return;
  if (invalid) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  note(noteId, text, isError);
}

function previewDeposit(app: App): Promise<void> {
  return preview(app, "deposit-amount", "deposit-note", "base", async (amount, info, read) => {
    const out = (await read.vault.getFunction("previewDeposit")(amount)) as bigint;
    const p = app.position;
    const warn =
      p === null
        ? ""
        : amount > p.baseBalance
          ? ` Your wallet holds only ${base(app, p.baseBalance, 6)}.`
          : amount > p.maxDeposit
            ? ` The vault accepts at most ${base(app, p.maxDeposit, 6)} now (deposit cap).`
            : "";
    return [
      `You would receive ${shares(app, out)} at the current price (previewDeposit: entry fee ${formatBps(info.fees.entryFeeBps)} included, rounded down).${warn}`,
      warn !== "",
    ];
  });
}

function previewWithdraw(app: App): Promise<void> {
  return preview(app, "withdraw-amount", "withdraw-note", "base", async (amount, info, read) => {
    const burnt = (await read.vault.getFunction("previewWithdraw")(amount)) as bigint;
    const max = app.position?.maxWithdraw;
    const over =
      max !== undefined && amount > max
        ? ` More than the ${base(app, max, 6)} you can withdraw now: withdraw less, or request a redemption below.`
        : "";
    return [
      `Burns ${shares(app, burnt)} at the current price (previewWithdraw: exit fee ${formatBps(info.fees.exitFeeBps)} included, rounded up).${over}`,
      over !== "",
    ];
  });
}

function previewRedeem(app: App): Promise<void> {
  return preview(app, "redeem-shares", "redeem-note", "share", async (amount, _info, read) => {
    const out = (await read.vault.getFunction("previewRedeem")(amount)) as bigint;
    const p = app.position;
    if (p !== null && amount > p.shares) {
      return [`You hold only ${shares(app, p.shares)}.`, true];
    }
    const split = splitRedeem(amount, p?.maxRedeem ?? 0n);
    const tail =
      split.queued === 0n
        ? "Redeemable now from idle funds."
        : split.now === 0n
          ? "No idle funds for it now: request a redemption (paid when a fulfilment finds idle funds, at the NAV of that moment)."
          : `${shares(app, split.now)} redeemable now; the rest, ${shares(app, split.queued)}, must be requested (paid when a fulfilment finds idle funds, at the NAV of that moment).`;
    return [
      `Worth ${base(app, out, 6)} at the current price (previewRedeem: exit fee included, rounded down). ${tail}`,
      false,
    ];
  });
}

function previewExit(app: App): Promise<void> {
  return preview(app, "exit-shares", "exit-note", "share", async (amount, info, read) => {
    const s = app.snapshot;
    const p = app.position;
    if (s === null) return ["", false];
    if (p !== null && amount > p.shares) {
      return [`You hold only ${shares(app, p.shares)}.`, true];
    }
    // the lens computes it on-chain as the exit does; without it, the page's estimate
    const exact = await readInKindPreview(read, info, amount);
    const lines = exact ?? inKindPreview(amount, s, app.holdings, info.base);
    const paid = lines
      .map((l) => `${formatAmount(l.amount, l.token.decimals, 6)} ${l.token.symbol}`)
      .join(", ");
    return [
      `You would receive ${paid === "" ? "nothing" : paid} (your pro-rata share of each token, rounded down, ${exact === null ? "estimated on the state read" : "as the vault computes it (lens previewExitInKind)"} at ${new Date().toLocaleTimeString()}).`,
      false,
    ];
  });
}

// ------------------------------------------------------------------ start

function wire(app: App): void {
  const on = (id: string, ev: string, fn: (e: Event) => void) => el(id).addEventListener(ev, fn);
  const submit = (id: string, fn: () => Promise<void>) =>
    on(id, "submit", (e) => {
      e.preventDefault();
      void fn();
    });
  on("connect", "click", () => void connect(app));
  on("switch-chain", "click", () => void switchChain(app));
  on("refresh", "click", () => void refresh(app));
  submit("deposit-form", () => onDeposit(app));
  submit("withdraw-form", () => onWithdraw(app));
  submit("exit-form", () => onExit(app));
  on("redeem-form", "submit", (e) => e.preventDefault());
  on("redeem-now", "click", () => void onRedeem(app, false));
  on("request-redeem", "click", () => void onRedeem(app, true));
  on(
    "claim",
    "click",
    () =>
      void onSimple(app, "Claim redemption", "redeem", (w, p) => [
        p.claimableShares,
        w.account,
        w.account,
      ]),
  );
  on(
    "cancel-request",
    "click",
    () => void onSimple(app, "Cancel request", "cancelRedeemRequest", (w) => [w.account]),
  );
  on("fulfil", "click", () => void onFulfil(app));
  /** An amount field: previewed as typed; its button `maxId` types in `most` and previews it. */
  const amountField = (
    inputId: string,
    maxId: string,
    token: "base" | "share",
    show: (app: App) => Promise<void>,
    most: (p: Position) => bigint,
  ) => {
    on(inputId, "input", () => void show(app));
    on(maxId, "click", () => {
      if (app.position === null || app.info === null) return;
      const text = formatAmount(most(app.position), app.info[token].decimals);
      el<HTMLInputElement>(inputId).value = text.replace(/,/g, "");
      void show(app);
    });
  };
  amountField("deposit-amount", "deposit-max", "base", previewDeposit, (p) =>
    p.baseBalance < p.maxDeposit ? p.baseBalance : p.maxDeposit,
  );
  amountField("withdraw-amount", "withdraw-max", "base", previewWithdraw, (p) => p.maxWithdraw);
  amountField("redeem-shares", "redeem-all", "share", previewRedeem, (p) => p.shares);
  amountField("exit-shares", "exit-all", "share", previewExit, (p) => p.shares);
  const reconnect = () => {
    if (app.wallet !== null) void connect(app, false);
  };
  window.ethereum?.on?.("accountsChanged", reconnect);
  window.ethereum?.on?.("chainChanged", reconnect);
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.json();
}

async function start(): Promise<void> {
  try {
    const cfg = parseAppConfig(await getJson("/config.json"));
    const abis = await loadAbis(getJson);
    const reader = new JsonRpcProvider(cfg.rpcUrl, cfg.chainId, { staticNetwork: true });
    const app: App = {
      cfg,
      abis,
      decode: makeDecoder(errorAbis(abis)),
      reader,
      meta: new Map(),
      info: null,
      read: null,
      snapshot: null,
      holdings: [],
      position: null,
      history: null,
      wallet: null,
      busy: false,
      refreshing: null,
      chainClock: null,
    };
    wire(app);
    renderPosition(app);
    await refresh(app);
    setInterval(() => {
      if (!app.busy && app.refreshing === null) void refresh(app);
    }, 10_000);
  } catch (err) {
    el("banner").className = "banner danger";
    el("banner-title").textContent = "Status: the page could not start";
    el("banner-text").textContent = err instanceof Error ? err.message : String(err);
  }
}

void start();
