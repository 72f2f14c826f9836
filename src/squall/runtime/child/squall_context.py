"""The ``context`` a handler receives, with every attribute Lambda's Python runtime provides.
https://docs.aws.amazon.com/lambda/latest/dg/python-context.html

Standard library only, like :mod:`squall_worker` (which imports it): it runs inside function
workers under any Python 3.9+.
"""

from __future__ import annotations

import sys
import time


class _Obj:
    def __init__(self, **kw) -> None:
        self.__dict__.update(kw)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__dict__!r})"


class CognitoIdentity(_Obj):
    cognito_identity_id = None
    cognito_identity_pool_id = None


class Client(_Obj):
    installation_id = app_title = app_version_name = app_version_code = app_package_name = None


class ClientContext(_Obj):
    client = None
    custom = None
    env = None


class LambdaContext:
    """The ``context`` argument, with every attribute Lambda's Python runtime provides.
    https://docs.aws.amazon.com/lambda/latest/dg/python-context.html"""

    def __init__(self, cfg: dict, header: dict) -> None:
        self.function_name = cfg["function_name"]
        self.function_version = cfg["function_version"]
        self.invoked_function_arn = header.get("invoked_arn") or cfg["function_arn"]
        self.memory_limit_in_mb = str(cfg["memory_size"])
        self.aws_request_id = header["request_id"]
        self.log_group_name = cfg["log_group"]
        self.log_stream_name = cfg["log_stream"]
        self.tenant_id = header.get("tenant_id")
        self._deadline_ms = header["deadline_ms"]
        ident = header.get("identity") or {}
        self.identity = CognitoIdentity(cognito_identity_id=ident.get("cognitoIdentityId"),
                                        cognito_identity_pool_id=ident.get("cognitoIdentityPoolId"))
        cc = header.get("client_context")
        if cc:
            client = cc.get("client") or {}
            self.client_context = ClientContext(
                client=Client(installation_id=client.get("installation_id"), app_title=client.get("app_title"),
                              app_version_name=client.get("app_version_name"),
                              app_version_code=client.get("app_version_code"),
                              app_package_name=client.get("app_package_name")),
                custom=cc.get("custom"), env=cc.get("env"))
        else:
            self.client_context = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def log(self, msg: str) -> None:
        sys.stdout.write(msg)

    def __repr__(self) -> str:
        return (f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
                f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
                f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
                f"invoked_function_arn={self.invoked_function_arn},client_context={self.client_context},"
                f"identity={self.identity}])")


