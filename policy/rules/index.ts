/** Every rule of the pack, by domain. The pack entry and the offline harness both read this list. */
import { apiRules } from "./api";
import type { Rule } from "./common";
import { computeRules } from "./compute";
import { costRules } from "./cost";
import { dataRules } from "./data";
import { deployRules } from "./deploy";
import { identityRules } from "./identity";
import { networkRules } from "./network";
import { observabilityRules } from "./observability";
import { taggingRules } from "./tagging";

export { PROD_ONLY, DEV_ONLY, type Rule } from "./common";

export const rules: Rule[] = [
  ...identityRules,
  ...networkRules,
  ...dataRules,
  ...computeRules,
  ...apiRules,
  ...observabilityRules,
  ...taggingRules,
  ...costRules,
  ...deployRules,
];
