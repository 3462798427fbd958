import type { z } from "@hono/zod-openapi"
import {
  createCompany,
  getCompany,
  listCompanies,
  type ProviderInput,
  removeProvider,
  replaceSkills,
  setProvider,
  updateCompany
} from "../../../programs/companies.ts"
import { pollNow } from "../../../programs/pollNow.ts"
import { checkProvider } from "../../../programs/providerCheck.ts"
import { addTechnician } from "../../../programs/technicians.ts"
import { CompanyId } from "../../domain/ids.ts"
import { camelCaseKeys } from "../../SnakeCase.ts"
import type { Run } from "../router.ts"
import { routesTagged } from "../route.ts"
import { answers, askedPage, errorResponse, idParam, json, pageOf, PageQuery } from "../schemas/common.ts"
import {
  CompanyQuery,
  CompanyView,
  CreateCompanyBody,
  CreateTechnicianBody,
  PatchCompanyBody,
  PollView,
  ProviderCheckView,
  ProviderInput as ProviderBody,
  PutSkillsBody,
  TechnicianView
} from "../schemas/companies.ts"
import { companyView, pageView, technicianView } from "../views.ts"
import type { AlertRepo } from "../../services/Alerts.ts"
import type { CompanyRepo, TechnicianRepo } from "../../services/Companies.ts"
import type { Providers } from "../../services/Providers.ts"
import type { Secrets } from "../../services/Secrets.ts"
import type { DeliverySettings, OutboundAddresses } from "../../services/Settings.ts"
import type { StatusPolls } from "../../services/StatusPolls.ts"
import type { Transactions } from "../../services/Transactions.ts"

const IdParam = idParam(CompanyId)

const providerInput = (body: z.output<typeof ProviderBody>): ProviderInput => ({
  type: body.type,
  config: body.config,
  credentials: body.credentials,
  active: body.active
})

/** The services the company routes may use. */
export type CompanyServices = AlertRepo | CompanyRepo | DeliverySettings | OutboundAddresses | Providers | Secrets | StatusPolls | TechnicianRepo | Transactions

/** Companies, their skills, provider association and technicians. */
export const companyRoutes = (run: Run<CompanyServices>) => {
  const routes = routesTagged("companies")

  routes.post("/companies", {
    summary: "Register a company (admin)",
    request: { body: json(CreateCompanyBody) },
    responses: { 201: answers("The company", CompanyView) },
    extraErrors: [422]
  }, async (c) => {
    const body = c.req.valid("json")
    const company = await run(
      c,
      createCompany({ ...camelCaseKeys(body), provider: body.provider === undefined ? null : providerInput(body.provider) })
    )
    c.header("Location", `/companies/${company.id}`)
    return c.json(companyView(company), 201)
  })

  routes.get("/companies", {
    summary: "List companies, newest first (admin)",
    request: { query: CompanyQuery.extend(PageQuery.shape) },
    responses: { 200: answers("A page of companies", pageOf(CompanyView)) }
  }, async (c) => {
    const q = c.req.valid("query")
    const page = await run(c, listCompanies({ status: q.status ?? null, skill: q.skill ?? null, ...askedPage(q) }))
    return c.json(pageView(page, companyView), 200)
  })

  routes.get("/companies/{id}", {
    summary: "One company (admin, or a key of that company)",
    request: { params: IdParam },
    responses: { 200: answers("The company", CompanyView) }
  }, async (c) => c.json(companyView(await run(c, getCompany(c.req.valid("param").id))), 200))

  routes.patch("/companies/{id}", {
    summary: "Change name, status, rate limit, delivery concurrency, status polling or service areas (admin)",
    request: { params: IdParam, body: json(PatchCompanyBody) },
    responses: { 200: answers("The company", CompanyView) }
  }, async (c) => {
    const changes = camelCaseKeys(c.req.valid("json"))
    return c.json(companyView(await run(c, updateCompany(c.req.valid("param").id, changes))), 200)
  })

  routes.put("/companies/{id}/skills", {
    summary: "Replace the whole list of skills (admin)",
    request: { params: IdParam, body: json(PutSkillsBody) },
    responses: { 200: answers("The company", CompanyView) }
  }, async (c) => {
    const body = c.req.valid("json")
    const skills = Array.isArray(body) ? body : body.skills
    return c.json(companyView(await run(c, replaceSkills(c.req.valid("param").id, skills))), 200)
  })

  routes.put("/companies/{id}/provider", {
    summary: "Set the provider association (admin); credentials are stored encrypted and never returned",
    request: { params: IdParam, body: json(ProviderBody) },
    responses: { 200: answers("The company", CompanyView) },
    extraErrors: [422]
  }, async (c) =>
    c.json(companyView(await run(c, setProvider(c.req.valid("param").id, providerInput(c.req.valid("json"))))), 200))

  routes.delete("/companies/{id}/provider", {
    summary: "Remove the provider association (admin); the company is no longer matched",
    request: { params: IdParam },
    responses: { 200: answers("The company", CompanyView) }
  }, async (c) => c.json(companyView(await run(c, removeProvider(c.req.valid("param").id))), 200))

  routes.post("/companies/{id}/provider/test", {
    summary: "Check the stored credentials against the provider (admin); the answer never echoes a secret",
    request: { params: IdParam },
    responses: { 200: answers("Whether the provider accepted the credentials", ProviderCheckView) }
  }, async (c) => c.json(await run(c, checkProvider(c.req.valid("param").id)), 200))

  routes.post("/companies/{id}/poll", {
    summary: "Poll the company's open leads at its provider now (admin)",
    description: "Asks the company's provider about every delivered lead of the company that is not completed or " +
      "canceled, whenever it was last polled, and writes what changed (routing and job statuses, revenue, events), " +
      "as a scheduled poll does, through the company's actor: under its rate limit and circuit.",
    request: { params: IdParam },
    responses: {
      200: answers("How many open leads were asked about, and how many of them changed", PollView),
      409: errorResponse("The company has no active provider, or its delivery is paused (`conflict`)"),
      503: errorResponse(
        "The poll cannot run now: the provider answered 429 or the company's circuit is open, the company's " +
          "deliveries run on another replica, or the provider or database is unreachable; retry after " +
          "`Retry-After` seconds (`unavailable`)"
      )
    }
  }, async (c) => c.json(await run(c, pollNow(c.req.valid("param").id)), 200))

  routes.post("/companies/{id}/technicians", {
    summary: "Add a technician (admin, or a key of that company)",
    request: { params: IdParam, body: json(CreateTechnicianBody) },
    responses: { 201: answers("The technician", TechnicianView) }
  }, async (c) => {
    const technician = await run(c, addTechnician(c.req.valid("param").id, c.req.valid("json").name))
    return c.json(technicianView(technician), 201)
  })

  return routes.router
}
