/**
 * A component's links to the tools its team already runs, as the project file names them, and the
 * pure rules of each link: for MLflow's Model Registry, which registered model and alias, and how a
 * registry version number reads as the card's SemVer model version. Pure: safe in the workflow sandbox.
 */
import { z } from 'zod';

/** The alias mltrl moves to the approved version while a linked component is at Level 9. */
export const DEFAULT_MLFLOW_ALIAS = 'mltrl-approved';

/**
 * Who a version report from MLflow is recorded as: an address no person can hold (the `.invalid`
 * top-level domain is reserved), so `history` says the change came from the registry.
 */
export const MLFLOW_ACTOR = 'mlflow@registry.invalid';

// MLflow's own rules: an alias is letters, digits, _ and -, and may not be "latest" or look like a version ("v3").
const ALIAS = /^[A-Za-z0-9_-]{1,255}$/;

export const MlflowLink = z.strictObject({
  /** The registered model's name, as MLflow shows it. */
  model: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(256, 'must be at most 256 characters')
    .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'must be one line of printable characters'),
  /** The alias mltrl sets on the approved version at Level 9 (default "mltrl-approved"). */
  alias: z
    .string()
    .regex(ALIAS, 'must be 1 to 255 letters, digits, _ or -')
    .refine((alias) => alias.toLowerCase() !== 'latest' && !/^v\d+$/i.test(alias), 'must not be "latest" or look like a version such as "v3" (MLflow reserves them)')
    .optional(),
});
export type MlflowLink = z.infer<typeof MlflowLink>;

export const Integrations = z.strictObject({ mlflow: MlflowLink.optional() });
export type Integrations = z.infer<typeof Integrations>;

/** The link with its alias resolved, or nothing for a component without one. */
export function mlflowLinkOf(component: { integrations?: Integrations | undefined }): Required<MlflowLink> | undefined {
  const link = component.integrations?.mlflow;
  return link ? { model: link.model, alias: link.alias ?? DEFAULT_MLFLOW_ALIAS } : undefined;
}

/** MLflow numbers a registered model's versions 1, 2, 3…; the card holds SemVer: version 7 is "7.0.0". */
export function semverOfMlflowVersion(version: number): string {
  return `${version}.0.0`;
}

/**
 * The registry version a card's model version stands for: "7.0.0" is version 7. A version written
 * by hand in another form ("1.4.2") names no registry version: undefined.
 */
export function mlflowVersionOfSemver(semver: string | undefined): number | undefined {
  const match = semver === undefined ? null : /^([1-9]\d{0,8})\.0\.0$/.exec(semver);
  return match ? Number(match[1]) : undefined;
}
