"""An Odnoklassniki REST stand-in on loopback (``/fb.do``) that checks every request's signature.

State: one application (key + secret), group tokens (token → gid), groups, topics (newest first with an
anchor), discussion comments, ``uuid`` deduplication of replies, per-token rate limit (error 8 above 5/s),
scripted faults (``fail_next``). A request whose ``sig`` is not OK's documented MD5 gets error 104.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections import defaultdict, deque
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.server import LoopbackServer

MSK = ZoneInfo("Europe/Moscow")
APP_KEY = "CBAFAKEAPPKEY"
APP_SECRET = "fake-application-secret-0123"


class OkError(Exception):
    def __init__(self, code: int, msg: str = "") -> None:
        self.code, self.msg = code, msg


def expected_sig(params: dict[str, str], token: str) -> str:
    secret = hashlib.md5((token + APP_SECRET).encode()).hexdigest().lower()
    joined = "".join(f"{k}={params[k]}" for k in sorted(params) if k not in ("sig", "access_token", "session_key"))
    return hashlib.md5((joined + secret).encode()).hexdigest().lower()


class FakeOk:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.groups: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}
        self.topics: dict[str, dict[str, Any]] = {}  # topic id → topic (with "gid")
        self.comments: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.uuids: dict[tuple[str, str], str] = {}
        self.faults: dict[str, deque[int]] = defaultdict(deque)
        self.bad_signatures = 0
        self._ids = itertools.count(155_000_000_000_000)
        self._stamps: dict[str, deque[float]] = defaultdict(deque)

    def add_group(self, gid: str, name: str, token: str | None = None, shortname: str = "") -> None:
        with self.lock:
            self.groups[gid] = {"uid": gid, "name": name, "shortname": shortname}
            if token:
                self.tokens[token] = gid

    def add_topic(self, gid: str, author: str, text: str, created_ms: int | None = None,
                  as_group: bool = False) -> str:
        """A topic by a user (``author_ref`` ``user:<id>``) or by the group itself (``group:<gid>``)."""
        with self.lock:
            tid = str(next(self._ids))
            self.topics[tid] = {"id": tid, "gid": gid, "created_ms": created_ms or int(time.time() * 1000),
                                "author_ref": f"group:{gid}" if as_group else f"user:{author}",
                                "media": [{"type": "text", "text": text}],
                                "discussion_summary": {"comments_count": 0}}
            return tid

    def add_comment(self, topic_id: str, author: str, text: str, reply_to: str | None = None,
                    as_group: bool = False) -> str:
        with self.lock:
            return self._store(topic_id, author, text, reply_to, author_type="GROUP" if as_group else "USER")

    def fail_next(self, method: str, code: int) -> None:
        with self.lock:
            self.faults[method].append(code)

    def _store(self, topic_id: str, author: str, text: str, reply_to: str | None, author_type: str) -> str:
        cid = f"c{next(self._ids)}"
        self.comments[topic_id].append({
            "id": cid, "text": text, "author_id": author, "author_type": author_type,
            "date": datetime.now(MSK).strftime("%Y-%m-%d %H:%M:%S"),
            **({"reply_to_comment_id": reply_to} if reply_to else {}),
        })
        self.topics[topic_id]["discussion_summary"]["comments_count"] += 1
        return cid

    async def fb_do(self, request: Request) -> JSONResponse:
        params = {**dict(request.query_params), **{k: str(v) for k, v in (await request.form()).items()}}
        try:
            with self.lock:
                if params.get("application_key") != APP_KEY:
                    raise OkError(101, "PARAM_API_KEY")
                token = params.get("access_token", "")
                if params.get("sig") != expected_sig(params, token):
                    self.bad_signatures += 1
                    raise OkError(104, "PARAM_SIGNATURE : Invalid signature")
                if token not in self.tokens:
                    raise OkError(102, "PARAM_SESSION_EXPIRED")
                stamps, now = self._stamps[token], time.monotonic()
                while stamps and now - stamps[0] >= 1.0:
                    stamps.popleft()
                if len(stamps) >= 5:
                    raise OkError(8, "FLOOD_BLOCKED")
                stamps.append(now)
                method = params.get("method", "")
                if self.faults[method]:
                    raise OkError(self.faults[method].popleft())
                handler = getattr(self, "m_" + method.replace(".", "_"), None)
                if handler is None:
                    raise OkError(3, "METHOD")
                return JSONResponse(handler(params, self.tokens[token]))
        except OkError as exc:
            return JSONResponse({"error_code": exc.code, "error_msg": exc.msg, "error_data": None})
        except (KeyError, ValueError):
            return JSONResponse({"error_code": 100, "error_msg": "PARAM", "error_data": None})

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/fb.do", self.fb_do, methods=["GET", "POST"])])

    # ------------------------------------------------------------------ methods

    def m_url_getInfo(self, p: dict[str, str], gid: str) -> Any:
        url = p["url"].rstrip("/")
        for g in self.groups.values():
            if url.endswith(f"/group/{g['uid']}") or (g["shortname"] and url.endswith("/" + g["shortname"])):
                return {"objectId": int(g["uid"]), "objectIdStr": g["uid"], "type": "GROUP"}
        raise OkError(300, "NOT_FOUND")

    def m_group_getInfo(self, p: dict[str, str], gid: str) -> Any:
        return [dict(self.groups[u]) for u in p["uids"].split(",") if u in self.groups]

    def m_mediatopic_getTopics(self, p: dict[str, str], gid: str) -> Any:
        topics = sorted((t for t in self.topics.values() if t["gid"] == p["gid"]), key=lambda t: t["id"], reverse=True)
        start = int(p.get("anchor") or 0)
        count = int(p.get("count", 20))
        page = topics[start:start + count]
        return {"media_topics": [{k: v for k, v in t.items() if k != "gid"} for t in page],
                "anchor": str(start + len(page)), "has_more": start + len(page) < len(topics)}

    def m_discussions_getComments(self, p: dict[str, str], gid: str) -> Any:
        if p.get("discussionType") != "GROUP_TOPIC" or p["discussionId"] not in self.topics:
            raise OkError(300, "NOT_FOUND")
        items = self.comments[p["discussionId"]]
        start = int(p.get("anchor") or 0)
        count = int(p.get("count", 100))
        page = items[start:start + count]
        return {"comments": [dict(c) for c in page], "anchor": str(start + len(page)),
                "has_more": start + len(page) < len(items)}

    def m_discussions_getComment(self, p: dict[str, str], gid: str) -> Any:
        for c in self.comments.get(p["discussionId"], []):
            if c["id"] == p["commentId"]:
                return dict(c)
        raise OkError(300, "NOT_FOUND")

    def m_discussions_comment(self, p: dict[str, str], gid: str) -> Any:
        topic = self.topics.get(p["discussionId"])
        if topic is None:
            raise OkError(300, "NOT_FOUND")
        if p.get("as_admin") == "true" and topic["gid"] != gid:
            raise OkError(10, "PERMISSION_DENIED")
        key = (p["discussionId"], p.get("uuid") or "")
        if p.get("uuid") and key in self.uuids:
            return {"comment_id": self.uuids[key]}
        cid = self._store(p["discussionId"], gid, p["text"], p.get("reply_to_comment_id"),
                          author_type="GROUP" if p.get("as_admin") == "true" else "USER")
        if p.get("uuid"):
            self.uuids[key] = cid
        return {"comment_id": cid}


class RunningFakeOk:
    def __init__(self) -> None:
        self.ok = FakeOk()
        self._server = LoopbackServer(self.ok.app())
        self.base_url = self._server.url + "/"
        self.app_key, self.app_secret = APP_KEY, APP_SECRET

    def __enter__(self) -> RunningFakeOk:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()
