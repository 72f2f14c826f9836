"""A TOKEN authorizer: "Bearer allow-<user>" → Allow, "Bearer deny" → Deny, anything else → 401."""


def handler(event, context):
    token = event.get("authorizationToken", "").removeprefix("Bearer ").strip()
    if token.startswith("allow-"):
        user, effect = token.removeprefix("allow-"), "Allow"
    elif token == "deny":
        user, effect = "nobody", "Deny"
    else:
        raise Exception("Unauthorized")  # noqa: TRY002 - API Gateway answers 401 for exactly this message
    return {
        "principalId": user,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}],
        },
        "context": {"user": user},
    }
