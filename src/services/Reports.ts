import { Context, type Effect } from "effect"
import type { CompanyFigures, DayFigures, ReportQuery } from "../domain/reports.ts"
import type { StorageError } from "./StorageError.ts"

/**
 * The reports' sums over the routings delivered in a period (by `synced_at`, from inclusive, to exclusive): a routing
 * counts as delivered once its lead reached the provider, whatever became of it after; completed when the provider
 * reported it so, canceled when it was canceled after delivery (here or at the provider); revenue is the completed
 * ones'; delivery time is `delivery_ms` (the job's acceptance, or its `deliver_after` when later, to the provider's
 * acceptance). Only the live tables: archived jobs are not counted.
 */
export class ReportsRepo extends Context.Tag("ReportsRepo")<ReportsRepo, {
  /** The figures of each receiving company with a delivery in the period (or of `companyId` alone), by name then id. */
  readonly byCompany: (query: ReportQuery) => Effect.Effect<ReadonlyArray<CompanyFigures>, StorageError>
  /** The figures of each UTC day with a delivery in the period, across companies (or of `companyId`), oldest first. */
  readonly byDay: (query: ReportQuery) => Effect.Effect<ReadonlyArray<DayFigures>, StorageError>
}>() {}
