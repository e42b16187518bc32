import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export interface ImageRepositoryOptions {
  /**
   * Tags can never be moved to another image (prod, or repositories pushed by digest-named tags).
   * @default false
   */
  immutableTags?: boolean;
  /**
   * Delete the repository with its images when the stack is destroyed (dev).
   * @default false
   */
  forceDelete?: boolean;
  /**
   * Images kept; older ones expire.
   * @default 30
   */
  keep?: number;
}

/**
 * An ECR repository as the platform keeps them: images scanned on push, encrypted, a lifecycle
 * policy that drops untagged layers after a week and keeps the newest `keep` images.
 */
export function imageRepository(
  name: string,
  options: ImageRepositoryOptions,
  opts: pulumi.CustomResourceOptions,
): aws.ecr.Repository {
  const repository = new aws.ecr.Repository(
    name,
    {
      imageScanningConfiguration: { scanOnPush: true },
      imageTagMutability: options.immutableTags ? "IMMUTABLE" : "MUTABLE",
      encryptionConfigurations: [{ encryptionType: "AES256" }],
      forceDelete: options.forceDelete ?? false,
    },
    opts,
  );
  new aws.ecr.LifecyclePolicy(
    `${name}-lifecycle`,
    {
      repository: repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: "Drop untagged layers after a week",
            selection: {
              tagStatus: "untagged",
              countType: "sinceImagePushed",
              countUnit: "days",
              countNumber: 7,
            },
            action: { type: "expire" },
          },
          {
            rulePriority: 2,
            description: `Keep the ${options.keep ?? 30} newest images`,
            selection: {
              tagStatus: "any",
              countType: "imageCountMoreThan",
              countNumber: options.keep ?? 30,
            },
            action: { type: "expire" },
          },
        ],
      }),
    },
    opts,
  );
  return repository;
}
