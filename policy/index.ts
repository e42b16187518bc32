/**
 * The platform's CrossGuard pack: `pulumi preview --policy-pack policy --policy-pack-config policy/<stack>.json`.
 * This file only assembles the pack; the rules are plain modules under rules/ (tests import those:
 * constructing a PolicyPack starts a gRPC server).
 */
import { PolicyPack } from "@pulumi/policy";
import { rules } from "./rules";

new PolicyPack("platform", { enforcementLevel: "mandatory", policies: rules });
