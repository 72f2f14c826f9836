"""Versions and aliases through the wire: publishing, preconditions, routing configs, qualified ARNs."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.lambda_.conftest import FAST, error_of

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def updated(lam, name: str) -> None:
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=FAST)


def test_publish_version_lifecycle(lam, make_function):
    name = make_function(Description="base")["FunctionName"]
    latest = lam.get_function_configuration(FunctionName=name)
    with pytest.raises(ClientError) as exc:
        lam.publish_version(FunctionName=name, RevisionId="wrong")
    assert error_of(exc.value) == (412, "PreconditionFailedException",
                                   ("The Revision Id provided does not match the latest Revision Id. Call the "
                                    "GetFunction/GetAlias API to retrieve the latest Revision Id"))
    with pytest.raises(ClientError) as exc:
        lam.publish_version(FunctionName=name, CodeSha256="abc")
    assert error_of(exc.value)[2] == (f"CodeSHA256 (abc) is different from current CodeSHA256 in $LATEST "
                                      f"({latest['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST.")
    v1 = lam.publish_version(FunctionName=name, CodeSha256=latest["CodeSha256"], RevisionId=latest["RevisionId"],
                             Description="first")
    assert v1["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert v1["Version"] == "1" and v1["FunctionArn"] == f"{ARN}{name}:1" and v1["Description"] == "first"
    assert v1["State"] == "Active" and v1["LastUpdateStatus"] == "Successful"
    assert lam.get_function_configuration(FunctionName=name)["RevisionId"] != latest["RevisionId"]
    again = lam.publish_version(FunctionName=name)  # nothing changed: the newest version comes back
    assert again["Version"] == "1" and again["ResponseMetadata"]["HTTPStatusCode"] == 201
    lam.update_function_configuration(FunctionName=name, Timeout=9)
    updated(lam, name)
    v2 = lam.publish_version(FunctionName=name)
    assert v2["Version"] == "2" and v2["Timeout"] == 9 and v2["Description"] == "base"
    listed = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in listed] == ["$LATEST", "1", "2"]
    assert [v["FunctionArn"] for v in listed] == [f"{ARN}{name}:$LATEST", f"{ARN}{name}:1", f"{ARN}{name}:2"]
    assert all("State" not in v for v in listed)
    page = lam.list_versions_by_function(FunctionName=name, MaxItems=2)
    assert len(page["Versions"]) == 2 and page["NextMarker"]
    rest = lam.list_versions_by_function(FunctionName=name, Marker=page["NextMarker"])["Versions"]
    assert [v["Version"] for v in rest] == ["2"]
    got = lam.get_function(FunctionName=name, Qualifier="1")["Configuration"]
    assert got["Version"] == "1" and got["Timeout"] == 3 and got["FunctionArn"] == f"{ARN}{name}:1"
    assert lam.get_function_configuration(FunctionName=f"{name}:2")["Timeout"] == 9


def test_publish_on_create(lam, make_function):
    created = make_function(Publish=True, wait=False)
    name = created["FunctionName"]
    assert created["Version"] == "1" and created["State"] == "Pending" and created["FunctionArn"] == f"{ARN}{name}"
    lam.get_waiter("published_version_active").wait(FunctionName=f"{name}:1", WaiterConfig={"Delay": 1})
    assert lam.get_function_configuration(FunctionName=name, Qualifier="1")["State"] == "Active"
    with pytest.raises(ClientError) as exc:
        lam.list_versions_by_function(FunctionName="missing-fn")
    assert error_of(exc.value) == (404, "ResourceNotFoundException", f"Function not found: {ARN}missing-fn")


def test_alias_lifecycle_and_routing(lam, make_function):
    name = make_function()["FunctionName"]
    lam.publish_version(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, Description="v2")
    updated(lam, name)
    lam.publish_version(FunctionName=name)
    alias = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1", Description="d",
                             RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}})
    assert alias["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert alias["AliasArn"] == f"{ARN}{name}:live" and alias["FunctionVersion"] == "1"
    assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}} and alias["RevisionId"]
    got = lam.get_alias(FunctionName=name, Name="live")
    assert got["RevisionId"] == alias["RevisionId"]
    via = lam.get_function(FunctionName=f"{ARN}{name}:live")["Configuration"]
    assert via["FunctionArn"] == f"{ARN}{name}:live" and via["Version"] == "1"
    plain = lam.create_alias(FunctionName=name, Name="2024-01-02", FunctionVersion="2")
    assert "RoutingConfig" not in plain and plain["Description"] == ""
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]] == ["2024-01-02", "live"]
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name, FunctionVersion="2")["Aliases"]] == ["2024-01-02"]
    with pytest.raises(ClientError) as exc:
        lam.update_alias(FunctionName=name, Name="live", RevisionId="stale")
    assert error_of(exc.value)[:2] == (412, "PreconditionFailedException")
    moved = lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2", RoutingConfig={},
                             RevisionId=alias["RevisionId"])
    assert moved["FunctionVersion"] == "2" and "RoutingConfig" not in moved and moved["RevisionId"] != alias["RevisionId"]
    with pytest.raises(ClientError) as exc:
        lam.delete_function(FunctionName=name, Qualifier="2")
    assert error_of(exc.value)[:2] == (409, "ResourceConflictException")
    lam.delete_alias(FunctionName=name, Name="live")
    lam.delete_alias(FunctionName=name, Name="live")  # deleting a missing alias is not an error
    with pytest.raises(ClientError) as exc:
        lam.get_alias(FunctionName=name, Name="live")
    assert error_of(exc.value) == (404, "ResourceNotFoundException", f"Cannot find alias arn: {ARN}{name}:live")


def test_alias_errors(lam, make_function):
    name = make_function(Publish=True)["FunctionName"]
    lam.get_waiter("published_version_active").wait(FunctionName=f"{name}:1", WaiterConfig={"Delay": 1})
    lam.create_alias(FunctionName=name, Name="taken", FunctionVersion="1")
    cases = [
        ({"Name": "2024", "FunctionVersion": "1"}, 400, "ValidationException",
         ("1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: Member must satisfy "
          "regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")),
        ({"Name": "a", "FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.5, "3": 0.1}}}, 400,
         "InvalidParameterValueException", "Number of items in AdditionalVersionWeights cannot be greater than 1"),
        ({"Name": "a", "FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"2": 2.0}}}, 400,
         "ValidationException", ("1 validation error detected: Value '{2=2.0}' at 'routingConfig."
                                 "additionalVersionWeights' failed to satisfy constraint: Map value must satisfy "
                                 "constraint: [Member must have value less than or equal to 1.0, Member must have "
                                 "value greater than or equal to 0.0, Member must not be null]")),
        ({"Name": "a", "FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"1": 0.5}}}, 400,
         "InvalidParameterValueException",
         "Invalid function version 1. Function version 1 is already included in routing configuration."),
        ({"Name": "a", "FunctionVersion": "$LATEST", "RoutingConfig": {"AdditionalVersionWeights": {"1": 0.5}}}, 400,
         "InvalidParameterValueException", "$LATEST is not supported for an alias pointing to more than 1 version"),
        ({"Name": "a", "FunctionVersion": "10"}, 404, "ResourceNotFoundException", f"Function not found: {ARN}{name}:10"),
        ({"Name": "taken", "FunctionVersion": "1"}, 409, "ResourceConflictException",
         f"Alias already exists: {ARN}{name}:taken"),
    ]
    for kw, status, code, message in cases:
        with pytest.raises(ClientError) as exc:
            lam.create_alias(FunctionName=name, **kw)
        assert error_of(exc.value) == (status, code, message), kw
    with pytest.raises(ClientError) as exc:
        lam.update_alias(FunctionName=name, Name="nope", FunctionVersion="1")
    assert error_of(exc.value) == (404, "ResourceNotFoundException", f"Alias not found: {ARN}{name}:nope")
    with pytest.raises(ClientError) as exc:
        lam.get_function(FunctionName=name, Qualifier="nope")
    assert error_of(exc.value) == (404, "ResourceNotFoundException", f"Function not found: {ARN}{name}:nope")
    with pytest.raises(ClientError) as exc:
        lam.create_alias(FunctionName="missing-fn", Name="x", FunctionVersion="1")
    assert error_of(exc.value) == (404, "ResourceNotFoundException", f"Function not found: {ARN}missing-fn:1")


# ---- resolve(): what the runtime asks for on every invoke (in process, memory engine) -------------
def _run_in_process(tmp_path, body) -> None:
    import asyncio
    from types import SimpleNamespace

    from squall.config import Settings
    from squall.engine import open_engine
    from squall.services.base import Runtime
    from squall.storage.blobs import BlobStore

    async def main() -> None:
        engine = open_engine("memory", tmp_path)
        await engine.start()
        runtime = Runtime(settings=Settings(data_dir=tmp_path), engine=engine, stopping=asyncio.Event(),
                          blobs=BlobStore(tmp_path / "blobs"))
        ctx = SimpleNamespace(runtime=runtime, engine=engine, account_id="000000000000", region="us-east-1",
                              request=SimpleNamespace(headers={}, scheme="http", host="localhost"), request_id="r")
        try:
            await body(ctx)
        finally:
            await engine.close()

    asyncio.run(main())


def test_resolve_follows_names_versions_and_weighted_aliases(tmp_path):
    from squall.services.lambda_ import aliases, functions, layers, versions
    from squall.services.lambda_.errors import LambdaError
    from tests.lambda_.conftest import HANDLER_CODE, ROLE, make_zip

    async def body(ctx) -> None:
        layer = await layers.publish_layer_version(ctx, LayerName="lib", Content={"ZipFile": make_zip(
            {"python/lib.py": "X = 1\n"})})
        await functions.create_function(ctx, FunctionName="fn", Role=ROLE, Runtime="python3.12", Handler="app.handler",
                                        Code={"ZipFile": make_zip({"app.py": HANDLER_CODE})},
                                        Layers=[layer["LayerVersionArn"]], Environment={"Variables": {"KEY": "v"}},
                                        MemorySize=256, Timeout=7)
        spec = await functions.resolve(ctx, "fn", None)  # waits for the activation running in this process
        assert spec.state == "Active" and spec.version == "$LATEST" and spec.arn == ARN + "fn"
        assert spec.handler == "app.handler" and spec.runtime == "python3.12" and spec.memory_size == 256
        assert spec.timeout == 7 and spec.environment == {"KEY": "v"} and spec.log_group_name == "/aws/lambda/fn"
        assert (spec.code_dir / "app.py").read_text() == HANDLER_CODE
        assert [(d / "python" / "lib.py").is_file() for d in spec.layer_dirs] == [True]
        assert spec.extra_paths == () and spec.reserved_concurrency is None
        for form in (ARN + "fn", "000000000000:function:fn", "fn:$LATEST"):
            assert (await functions.resolve(ctx, form, None)).version == "$LATEST"
        await versions.publish_version(ctx, FunctionName="fn")
        await functions.update_function_configuration(ctx, FunctionName="fn", Timeout=9)
        assert (await functions.resolve(ctx, "fn", None)).timeout in (7, 9)  # previous config while in progress
        from squall.services.lambda_ import activation, store
        await activation.settle(ctx.runtime, store.vkey(store.fkey("000000000000", "us-east-1", "fn"), "$LATEST"), 5)
        assert (await functions.resolve(ctx, "fn", None)).timeout == 9  # the cache was dropped on commit
        await versions.publish_version(ctx, FunctionName="fn")
        assert (await functions.resolve(ctx, "fn", "1")).timeout == 7
        assert (await functions.resolve_arn(ctx.runtime, ARN + "fn:2")).timeout == 9
        await aliases.create_alias(ctx, FunctionName="fn", Name="live", FunctionVersion="1",
                                   RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
        picked = {(await functions.resolve(ctx, "fn:live", None)).version for _ in range(200)}
        assert picked == {"1", "2"}
        await aliases.update_alias(ctx, FunctionName="fn", Name="live", RoutingConfig={})
        assert {(await functions.resolve(ctx, "fn", "live")).version for _ in range(50)} == {"1"}
        for name, qualifier, text in (
            ("missing", None, f"Function not found: {ARN}missing"),
            ("fn", "9", f"Function not found: {ARN}fn:9"),
            ("fn", "nope", f"Function not found: {ARN}fn:nope"),
            ("fn:1", "2", "The derived qualifier from the function name does not match the specified qualifier."),
        ):
            try:
                await functions.resolve(ctx, name, qualifier)
            except LambdaError as err:
                assert err.message == text
            else:
                raise AssertionError((name, qualifier))

    _run_in_process(tmp_path, body)
