// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

/// @title IBallastVault
/// @notice Types, events and the keeper-facing functions of the Ballast basket vault. The exact
///         plan format, EIP-712 type strings and every validation formula are in docs/plan-format.md.
interface IBallastVault {
    // ---------------------------------------------------------------- types

    /// @notice One step of a rebalance plan: the vault calls `IAdapter(adapters[adapterId]).execute(data)`.
    struct Action {
        uint8 adapterId;
        bytes data;
    }

    /// @notice A rebalance plan signed (EIP-712) by a KEEPER_SIGNER.
    struct Plan {
        uint256 nonce;
        uint256 deadline;
        Action[] actions;
        uint16[] expectedWeightsBps;
        uint16 weightToleranceBps;
        uint16 slippageBps;
    }

    /// @notice Registry entry of a risk asset (registry order = index in `assetConfigs()`).
    struct AssetConfig {
        address token;
        address feed;
        uint32 heartbeat;
        bool enabled;
        uint16 maxWeightBps;
        int16 minNetDeltaBps;
        int16 maxNetDeltaBps;
        uint128 minPrice;
        uint128 maxPrice;
    }

    /// @notice Risk limits. Tightening is instant (CURATOR or GUARDIAN); loosening waits the timelock.
    struct Limits {
        uint128 depositCap;
        uint16 maxSlippageBps;
        uint16 maxLossPerRebalanceBps;
        uint16 lossBudgetBps;
        uint32 lossWindow;
        uint32 maxTurnoverBps;
        uint32 maxLeverageBps;
        uint64 minHealthFactor;
        uint32 rebalanceCooldown;
        uint16 circuitBreakerDropBps;
        uint32 circuitBreakerWindow;
    }

    /// @notice Fees. Every change waits the timelock.
    struct FeeConfig {
        address recipient;
        uint16 entryFeeBps;
        uint16 exitFeeBps;
        uint16 managementFeeBps;
        uint16 performanceFeeBps;
    }

    /// @notice A whitelisted adapter: kind 1 = swap, 2 = lending.
    struct AdapterConfig {
        address adapter;
        uint8 kind;
    }

    /// @notice Snapshot of the vault for the keeper and the web page (BallastLens.vaultState).
    // solhint-disable-next-line gas-struct-packing
    struct VaultState {
        bool navAvailable;
        uint256 nav;
        uint256 idle;
        uint256 reservedAssets;
        uint256 lendingCollateral;
        uint256 totalSupply;
        uint256 pricePerShareWad;
        uint256 nextNonce;
        uint256 lastRebalanceAt;
        uint256 lossBudgetUsedWad;
        uint256 lossBudgetCapWad;
        uint256 pendingShares;
        uint256 currentEpoch;
        bool paused;
        bool shutdown;
        bool defensive;
    }

    /// @notice Per-asset view (registry order). Values in base units; prices are raw feed answers.
    struct AssetState {
        address token;
        uint256 balance;
        uint256 debt;
        uint256 price;
        uint256 value;
        uint256 debtValue;
        uint256 weightBps;
        int256 netDeltaBps;
    }

    // ---------------------------------------------------------------- events

    /// @notice Emitted after every successful rebalance.
    event Rebalanced(
        uint256 indexed nonce,
        bytes32 planHash,
        uint256 navBefore,
        uint256 navAfter,
        uint256 turnoverBps,
        uint256 lossBps
    );
    /// @notice A redemption request was escrowed.
    event RedeemRequested(
        address indexed controller,
        address indexed owner,
        uint256 indexed epoch,
        address sender,
        uint256 shares
    );
    /// @notice `controller` canceled its pending request of `epoch`; `shares` went back to `receiver`.
    event RedeemRequestCanceled(
        address indexed controller,
        address indexed receiver,
        uint256 indexed epoch,
        uint256 shares
    );
    /// @notice A fulfilment attempt found `epoch` larger than the idle funds: its pending requests
    ///         cannot be cancelled before `unlocksAt` (or a shutdown), so that they are fulfilled
    ///         together once the keeper has freed the liquidity.
    event RedemptionsLocked(uint256 indexed epoch, uint256 assetsNeeded, uint256 idle, uint256 unlocksAt);
    /// @notice All requests of `epoch` were fulfilled: `shares` burnt, `assets` set aside.
    event RedemptionsFulfilled(uint256 indexed epoch, uint256 shares, uint256 assets);
    /// @notice Claimable assets were paid out.
    event RedemptionClaimed(
        address indexed controller,
        address indexed receiver,
        uint256 assets,
        uint256 shares
    );
    /// @notice In-kind exit during shutdown.
    event ExitedInKind(address indexed owner, address indexed receiver, uint256 shares);
    /// @notice Fee shares were minted.
    event FeesAccrued(uint256 managementShares, uint256 performanceShares, uint256 highWaterMarkWad);
    /// @notice The circuit breaker tripped.
    event DefensiveModeEntered(uint256 pricePerShareWad, uint256 referenceWad);
    /// @notice Defensive mode was lifted by the admin.
    event DefensiveModeExited(uint256 pricePerShareWad);
    /// @notice The circuit breaker's reference was rolled.
    event ReferencePriceRolled(uint256 referenceWad);
    /// @notice The vault was shut down by the guardian (permanent).
    event ShutDown(address indexed by);
    /// @notice Limits changed.
    event LimitsSet(Limits limits);
    /// @notice A loosening of the limits was queued.
    event LimitsSubmitted(Limits limits, uint256 validAt);
    /// @notice Fees changed.
    event FeesSet(FeeConfig fees);
    /// @notice A fee change was queued.
    event FeesSubmitted(FeeConfig fees, uint256 validAt);
    /// @notice Asset `index` configured.
    event AssetSet(uint256 indexed index, AssetConfig config);
    /// @notice A loosening of asset `index` (or a new asset) was queued.
    event AssetSubmitted(uint256 indexed index, AssetConfig config, uint256 validAt);
    /// @notice Adapter `id` configured (address 0 = removed).
    event AdapterSet(uint8 indexed id, address adapter, uint8 kind);
    /// @notice An adapter was queued.
    event AdapterSubmitted(uint8 indexed id, address adapter, uint8 kind, uint256 validAt);
    /// @notice ERC-7540: `controller` approved (or revoked) `operator` to request redemptions of
    ///         its shares and claim them on its behalf.
    event OperatorSet(address indexed controller, address indexed operator, bool approved);
    /// @notice A pending change was revoked. `what`: 1 limits, 2 fees, 3 asset, 4 adapter.
    event PendingRevoked(uint8 indexed what, uint256 key);

    // ---------------------------------------------------------------- keeper functions

    /// @notice Executes a signed rebalance plan. Anyone may relay.
    function rebalance(Plan calldata plan, bytes calldata signature) external;

    /// @notice EIP-712 struct hash of `plan` (not the digest).
    function hashPlan(Plan calldata plan) external pure returns (bytes32);

    /// @notice EIP-712 digest the KEEPER_SIGNER signs for `plan`.
    function planDigest(Plan calldata plan) external view returns (bytes32);

    /// @notice Nonce the next plan must carry.
    function nextNonce() external view returns (uint256);

    /// @notice Fulfils all pending redemption requests of the current epoch if idle funds cover them.
    function fulfilRedemptions() external returns (bool fulfilled);

    /// @notice Escrows `shares` of `owner` for an asynchronous redemption claimable by `controller`.
    ///         `controller` must be `owner`, the caller, or have the caller as its operator (else
    ///         `NotController(caller, controller)`): its withdraw/redeem claim the request first.
    ///         The epoch's pending shares may not exceed 2^128 − 1 (else
    ///         `SafeCastOverflowedUintDowncast(128, pending)`).
    function requestRedeem(
        uint256 shares,
        address controller,
        address owner
    ) external returns (uint256 requestId);

    /// @notice ERC-7540: approves or revokes `operator` for the caller's requests and claims
    ///         (`requestRedeem` without a share allowance; `redeem`/`withdraw` of a claim). Reverts
    ///         with `InvalidOperator` when `operator` is the caller.
    /// @return Always true.
    function setOperator(address operator, bool approved) external returns (bool);

    /// @notice ERC-7540: whether `operator` may act on `controller`'s requests and claims.
    function isOperator(address controller, address operator) external view returns (bool);

    /// @notice Shares of `controller` waiting for fulfilment.
    function pendingRedeemRequest(
        uint256 requestId,
        address controller
    ) external view returns (uint256 shares);

    /// @notice Shares of `controller` fulfilled and claimable.
    function claimableRedeemRequest(
        uint256 requestId,
        address controller
    ) external view returns (uint256 shares);

    /// @notice During shutdown: burns `shares` of `owner` and pays `receiver` a pro-rata share of every token.
    function exitInKind(uint256 shares, address receiver, address owner) external;

    // ---------------------------------------------------------------- views

    /// @notice The registry, in order.
    function assetConfigs() external view returns (AssetConfig[] memory);

    /// @notice Current limits.
    function limits() external view returns (Limits memory);

    /// @notice Current fees.
    function fees() external view returns (FeeConfig memory);

    /// @notice Adapter `id`.
    function adapter(uint8 id) external view returns (AdapterConfig memory);

    /// @notice A change queued behind the curator timelock: when anyone may accept it (0 = nothing
    ///         queued) and its complete new value.
    /// @param what 1 limits, 2 fees, 3 asset, 4 adapter.
    /// @param key Asset index (the registry's length: an asset being added) or adapter id; 0 for
    ///        limits and fees.
    /// @return validAt Timestamp from which it may be accepted; 0 when nothing is queued.
    /// @return value The new value ABI-encoded as `Limits` (1), `FeeConfig` (2), `AssetConfig` (3)
    ///         or `AdapterConfig` (4); empty when nothing is queued.
    function pendingChange(
        uint8 what,
        uint256 key
    ) external view returns (uint256 validAt, bytes memory value);
}
