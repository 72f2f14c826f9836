"""The benchmark's hello-world handler as a Chalice app, served by ``chalice local`` (bench/apigw.py)."""

from chalice import Chalice, Response

app = Chalice(app_name="hello")


def handler(event, context):
    return {"statusCode": 200, "body": "hello"}


@app.route("/")
def index():
    result = handler(app.current_request.to_dict(), None)
    return Response(body=result["body"], status_code=result["statusCode"],
                    headers={"Content-Type": "application/json"})
