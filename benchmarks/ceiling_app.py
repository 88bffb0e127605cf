"""The throughput ceiling for the web benchmark: the smallest FastAPI app on the same server."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
def ping() -> dict[str, str]:
    return {"status": "ok"}
