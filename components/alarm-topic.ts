import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The SNS topic `<name>-alarms` alarms notify, with an email subscription `<name>-alarms-email`
 * when an address is given (AWS mails a confirmation link first). CloudWatch cannot publish to a
 * topic under the AWS-managed SNS key, and alarm messages carry no secrets, so the topic keeps
 * SNS's default encryption in transit only.
 */
export function alarmTopic(
  name: string,
  email: string | undefined,
  parent: pulumi.Resource,
): aws.sns.Topic {
  const topic = new aws.sns.Topic(`${name}-alarms`, {}, { parent });
  if (email) {
    new aws.sns.TopicSubscription(
      `${name}-alarms-email`,
      { topic: topic.arn, protocol: "email", endpoint: email },
      { parent },
    );
  }
  return topic;
}
