import { Schema } from "effect"

export const SkillLevel = Schema.Literal("basic", "intermediate", "expert")
export type SkillLevel = typeof SkillLevel.Type

const rank: Record<SkillLevel, number> = { basic: 1, intermediate: 2, expert: 3 }

/** `basic` < `intermediate` < `expert`. */
export const levelRank = (level: SkillLevel): number => rank[level]

/** Skill names are lower-case words: letters, digits, space, `_` and `-`, 1 to 64 characters. */
export const SkillName = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9][a-z0-9 _-]{0,63}$/),
  Schema.brand("SkillName")
)
export type SkillName = typeof SkillName.Type

export const CompanySkill = Schema.Struct({
  skill: SkillName,
  level: SkillLevel,
  primary: Schema.Boolean
})
export type CompanySkill = typeof CompanySkill.Type
