// IAM policy parts serverless.yml cannot write as YAML: the Serverless Framework resolves variables
// in values but not in keys, and the opt-in condition's key holds the tag key (a param).
// Used as ${file(./serverless.iam.cjs):optedIn} (a JS function of the file variable source).

/**
 * Only Auto Scaling groups that carry the opt-in tag: autoscaling:ResourceTag/<key> on every
 * changing Auto Scaling action (Service Authorization Reference for Amazon EC2 Auto Scaling:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html).
 */
module.exports.optedIn = async ({ resolveVariable }) => {
  const key = await resolveVariable('param:optInTagKey');
  const value = await resolveVariable('param:optInTagValue');
  return { StringEquals: { [`autoscaling:ResourceTag/${key}`]: value } };
};
