/**
 * The permissions boundary of every role the program creates. The bootstrap template
 * (tools/bootstrap) creates the managed policy under this name, and the deploy roles may create
 * and change roles only with it attached: whatever a role's own policies say, it can never do
 * more than the boundary allows, which has no IAM writes. So a deploy role cannot make itself, or
 * a role it creates, more powerful than the boundary.
 */
import * as pulumi from "@pulumi/pulumi";

export const WORKLOAD_BOUNDARY_NAME = "platform-workload-boundary";

const ROLE = "aws:iam/role:Role";

/**
 * Sets `permissionsBoundary` to `arn` on every aws:iam/role:Role registered after this call
 * (one stack transformation, so no component can forget it).
 */
export function applyPermissionsBoundary(arn: pulumi.Input<string>): void {
  pulumi.runtime.registerStackTransformation((args) =>
    args.type === ROLE
      ? { props: { ...args.props, permissionsBoundary: arn }, opts: args.opts }
      : undefined,
  );
}
