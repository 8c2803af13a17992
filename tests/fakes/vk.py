"""A VK API stand-in on loopback: the documented request/response shapes of the methods Otklik calls, with state.

State: communities (id, screen name), tokens (kind, community or user, scopes), walls (posts), comments with
threads (``reply_to_comment``, ``parents_stack``), bans (``groups.ban``: ``end_date``, ``reason`` 0–4, ``comment``,
``comment_visible``; the community token's own group with *manage*), closed communities (``close_group``:
``wall.get`` answers 15), ``guid`` deduplication (a repeated
``wall.createComment`` with the same token, wall, post and guid returns the first comment's id), per-token
rate limits (3/s user, 20/s community: error 6), closed comments (213), and scripted faults: ``fail_next``
(an error code for the next call of a method) and ``stall_after_store`` (the comment is stored, then the
answer is delayed — the "timed out after VK stored it" case). Discussion boards, users and their roles:
``tests.fakes.vk_board``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.server import LoopbackServer
from tests.fakes.vk_board import BoardMixin, VkError

ERROR_MESSAGES = {
    5: "User authorization failed: invalid access_token (4).", 6: "Too many requests per second",
    9: "Flood control", 10: "Internal server error", 15: "Access denied",
    27: "Group authorization failed: method is unavailable with group auth.", 100: "One of the parameters specified "
    "was missing or invalid", 212: "Access to post comments denied", 213: "Access denied: no access to comments",
}


@dataclass
class Token:
    kind: str  # community | user | service
    group_id: int | None = None
    scopes: list[str] = field(default_factory=lambda: ["manage", "photos", "wall"])
    user_id: int = 0  # a user token's own user


class FakeVk(BoardMixin):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.groups: dict[int, dict[str, Any]] = {}
        self.users: dict[str, int] = {}
        self.tokens: dict[str, Token] = {}
        self.posts: dict[tuple[int, int], dict[str, Any]] = {}
        self.comments: dict[tuple[int, int], dict[str, Any]] = {}
        self.closed: set[tuple[int, int]] = set()
        self.bans: dict[tuple[int, int], dict[str, Any]] = {}
        self.guids: dict[tuple[str, int, int, str], int] = {}
        self.photos: dict[tuple[int, int], dict[str, Any]] = {}
        self.uploads: dict[int, bytes] = {}
        self.files: dict[str, bytes] = {}  # served at /files/{name}: media an answer links to
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.faults: dict[str, deque[int]] = defaultdict(deque)
        self.stalls: dict[str, deque[float]] = defaultdict(deque)
        self._ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._photo_ids = itertools.count(1000)
        self._stamps: dict[str, deque[float]] = defaultdict(deque)
        self.clock = lambda: int(time.time())
        self.url = ""
        self._board_init()

    # ------------------------------------------------------------------ set-up (tests)

    def add_group(self, group_id: int, screen_name: str, name: str = "", token: str | None = None,
                  scopes: list[str] | None = None) -> None:
        with self.lock:
            self.groups[group_id] = {"id": group_id, "name": name or screen_name, "screen_name": screen_name,
                                     "is_closed": 0, "type": "page"}
            if token:
                self.tokens[token] = Token("community", group_id, scopes or ["manage", "photos", "wall"])

    def add_token(self, token: str, kind: str = "user") -> None:
        with self.lock:
            self.tokens[token] = Token(kind)

    def add_post(self, owner_id: int, from_id: int, text: str, date: int | None = None,
                 post_type: str = "post") -> int:
        with self.lock:
            pid = next(self._ids[owner_id])
            self.posts[(owner_id, pid)] = {"id": pid, "owner_id": owner_id, "from_id": from_id,
                                           "date": date or self.clock(), "text": text, "post_type": post_type,
                                           "attachments": [], "comments": {"count": 0}}
            return pid

    def add_comment(self, owner_id: int, post_id: int, from_id: int, text: str,
                    reply_to_comment: int | None = None) -> int:
        with self.lock:
            return self._store_comment(owner_id, post_id, from_id, text, reply_to_comment, [])

    def close_group(self, group_id: int) -> None:
        """A closed community: its wall is for members only (``wall.get`` with a service key: error 15)."""
        with self.lock:
            self.groups[group_id]["is_closed"] = 1

    def close_comments(self, owner_id: int, post_id: int) -> None:
        with self.lock:
            self.closed.add((owner_id, post_id))

    def fail_next(self, method: str, code: int, times: int = 1) -> None:
        with self.lock:
            self.faults[method].extend([code] * times)

    def stall_after_store(self, method: str, seconds: float, times: int = 1) -> None:
        with self.lock:
            self.stalls[method].extend([seconds] * times)

    def wall_comments(self, owner_id: int, post_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [c for (o, _), c in sorted(self.comments.items())
                    if o == owner_id and c["post_id"] == post_id and not c.get("deleted")]

    # ------------------------------------------------------------------ state changes

    def _store_comment(self, owner_id: int, post_id: int, from_id: int, text: str, reply_to: int | None,
                       attachments: list[dict[str, Any]]) -> int:
        cid = next(self._ids[owner_id])
        stack: list[int] = []
        reply_to_user = None
        if reply_to is not None:
            parent = self.comments[(owner_id, reply_to)]
            stack = [*parent.get("parents_stack", []), reply_to][:1] or [reply_to]
            reply_to_user = parent["from_id"]
        self.comments[(owner_id, cid)] = {
            "id": cid, "from_id": from_id, "date": self.clock(), "text": text, "post_id": post_id,
            "owner_id": owner_id, "parents_stack": stack, "attachments": attachments,
            **({"reply_to_comment": reply_to, "reply_to_user": reply_to_user} if reply_to else {}),
        }
        self.posts[(owner_id, post_id)]["comments"]["count"] += 1
        return cid

    def _rate(self, token: str, kind: str) -> None:
        limit = 3 if kind == "user" else 20
        now = time.monotonic()
        stamps = self._stamps[token]
        while stamps and now - stamps[0] >= 1.0:
            stamps.popleft()
        if len(stamps) >= limit:
            raise VkError(6)
        stamps.append(now)

    # ------------------------------------------------------------------ HTTP

    async def method(self, request: Request) -> JSONResponse:
        name = request.path_params["name"]
        form = {k: str(v) for k, v in (await request.form()).items()}
        params = {**dict(request.query_params), **form}
        stall = 0.0
        try:
            with self.lock:
                self.calls.append((name, {k: v for k, v in params.items() if k != "access_token"}))
                token = self.tokens.get(params.get("access_token", ""))
                if token is None:
                    raise VkError(5)
                self._rate(params["access_token"], token.kind)
                if params.get("v") != "5.199":
                    raise VkError(100)
                if self.faults[name]:
                    raise VkError(self.faults[name].popleft())
                handler = getattr(self, "m_" + name.replace(".", "_"), None)
                if handler is None:
                    raise VkError(3)
                result = handler(params, token, params["access_token"])
                if self.stalls[name]:
                    stall = self.stalls[name].popleft()
        except VkError as exc:
            return JSONResponse({"error": {"error_code": exc.code, "error_msg": ERROR_MESSAGES.get(exc.code, "?"),
                                           "request_params": [{"key": "method", "value": name}]}})
        except (KeyError, ValueError):
            return JSONResponse({"error": {"error_code": 100, "error_msg": ERROR_MESSAGES[100]}})
        if stall:
            await asyncio.sleep(stall)
        return JSONResponse({"response": result})

    async def upload(self, request: Request) -> JSONResponse:
        form = await request.form()
        photo = form.get("photo")
        if photo is None or isinstance(photo, str):
            return JSONResponse({"server": 1, "photo": "[]", "hash": ""})
        content = await photo.read()
        with self.lock:
            n = next(self._photo_ids)
            self.uploads[n] = content
        return JSONResponse({"server": 1, "photo": json.dumps([{"upload": n}]), "hash": f"h{n}"})

    async def file(self, request: Request) -> Response:
        content = self.files.get(request.path_params["name"])
        if content is None:
            return Response(status_code=404)
        return Response(content, media_type="image/jpeg")

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/method/{name}", self.method, methods=["GET", "POST"]),
                                 Route("/upload", self.upload, methods=["POST"]),
                                 Route("/files/{name}", self.file, methods=["GET"])])

    # ------------------------------------------------------------------ methods

    def m_wall_get(self, p: dict[str, str], t: Token, raw: str) -> Any:
        if t.kind == "community":
            raise VkError(27)  # "Group authorization failed: method is unavailable with group auth"
        owner = int(p["owner_id"])
        if owner < 0 and self.groups.get(-owner, {}).get("is_closed") and t.group_id != -owner:
            raise VkError(15)  # "Access denied: this wall available only for community members"
        posts = sorted((v for (o, _), v in self.posts.items() if o == owner), key=lambda x: -x["id"])
        off, cnt = int(p.get("offset", 0)), min(int(p.get("count", 20)), 100)
        return {"count": len(posts), "items": [json.loads(json.dumps(x)) for x in posts[off:off + cnt]]}

    def m_wall_getComments(self, p: dict[str, str], t: Token, raw: str) -> Any:
        owner, post = int(p["owner_id"]), int(p["post_id"])
        if (owner, post) not in self.posts:
            raise VkError(100)
        everything = [c for (o, _), c in sorted(self.comments.items()) if o == owner and c["post_id"] == post
                      and not c.get("deleted")]
        if p.get("comment_id"):
            root = int(p["comment_id"])
            chosen = [c for c in everything if root in c["parents_stack"]]
        else:
            chosen = [c for c in everything if not c["parents_stack"]]
        if p.get("sort", "asc") == "desc":
            chosen.reverse()
        off, cnt = int(p.get("offset", 0)), min(int(p.get("count", 10)), 100)
        items = []
        n_thread = int(p.get("thread_items_count", 0) or 0)
        for c in chosen[off:off + cnt]:
            item = dict(c)
            if not p.get("comment_id"):
                replies = [r for r in everything if c["id"] in r["parents_stack"]]
                item["thread"] = {"count": len(replies), "items": [dict(r) for r in replies[:n_thread]]}
            items.append(item)
        return {"count": len(chosen), "current_level_count": len(chosen), "can_post": 1, "items": items}

    def m_wall_getComment(self, p: dict[str, str], t: Token, raw: str) -> Any:
        c = self.comments.get((int(p["owner_id"]), int(p["comment_id"])))
        if c is None or c.get("deleted"):
            raise VkError(100)
        return {"items": [dict(c)], "can_post": 1, "groups_can_post": True}

    def m_wall_createComment(self, p: dict[str, str], t: Token, raw: str) -> Any:
        owner, post = int(p["owner_id"]), int(p["post_id"])
        if (owner, post) not in self.posts:
            raise VkError(100)
        if (owner, post) in self.closed:
            raise VkError(213)
        if "wall" not in t.scopes:
            raise VkError(15)
        from_id = t.group_id and -t.group_id
        if p.get("from_group"):
            if t.kind == "community" and int(p["from_group"]) != t.group_id:
                raise VkError(15)
            from_id = -int(p["from_group"])
        if not from_id:
            from_id = 1
        guid = p.get("guid")
        if guid and (raw, owner, post, guid) in self.guids:
            return {"comment_id": self.guids[(raw, owner, post, guid)], "parents_stack": []}
        reply = int(p["reply_to_comment"]) if p.get("reply_to_comment") else None
        if reply is not None and (owner, reply) not in self.comments:
            raise VkError(100)
        if not p.get("message") and not p.get("attachments"):
            raise VkError(100)
        cid = self._store_comment(owner, post, from_id, p.get("message", ""), reply, self.photo_attachments(p))
        if guid:
            self.guids[(raw, owner, post, guid)] = cid
        return {"comment_id": cid, "parents_stack": self.comments[(owner, cid)]["parents_stack"]}

    def m_wall_deleteComment(self, p: dict[str, str], t: Token, raw: str) -> Any:
        owner = int(p["owner_id"])
        if t.kind == "community" and (t.group_id is None or -t.group_id != owner):
            raise VkError(15)  # a community deletes comments on its own wall only
        c = self.comments.get((owner, int(p["comment_id"])))
        if c is None or c.get("deleted"):
            raise VkError(100)
        c["deleted"] = True
        return 1

    def m_groups_ban(self, p: dict[str, str], t: Token, raw: str) -> Any:
        gid = int(p["group_id"])
        if t.kind == "community" and (t.group_id != gid or "manage" not in t.scopes):
            raise VkError(15)  # groups.ban needs the community's own token with the manage right
        if "end_date" in p and int(p["end_date"]) <= self.clock():
            raise VkError(100)  # an end date in the past
        if p.get("reason") not in (None, "0", "1", "2", "3", "4"):
            raise VkError(100)
        self.bans[(gid, int(p["owner_id"]))] = {k: p.get(k) for k in ("end_date", "reason", "comment",
                                                                       "comment_visible")}
        return 1

    def m_groups_getById(self, p: dict[str, str], t: Token, raw: str) -> Any:
        wanted = p.get("group_id") or p.get("group_ids")
        if not wanted:
            if t.group_id is None:
                raise VkError(100)
            return {"groups": [dict(self.groups[t.group_id])], "profiles": []}
        found = []
        for key in wanted.split(","):
            key = key.strip()
            g = next((g for g in self.groups.values() if g["screen_name"] == key
                      or (key.isdigit() and g["id"] == int(key))), None)
            if g is None:
                raise VkError(100)
            found.append({**g, **(self.admin_fields(g, t) if "is_admin" in p.get("fields", "") else {})})
        return {"groups": found, "profiles": []}

    def m_groups_getTokenPermissions(self, p: dict[str, str], t: Token, raw: str) -> Any:
        if t.kind != "community":
            raise VkError(15)
        return {"mask": 0, "permissions": [{"name": s, "setting": 0} for s in t.scopes]}

    def m_utils_resolveScreenName(self, p: dict[str, str], t: Token, raw: str) -> Any:
        name = p["screen_name"]
        g = next((g for g in self.groups.values() if g["screen_name"] == name), None)
        if g is not None:
            return {"type": "group", "object_id": g["id"]}
        if name in self.users:
            return {"type": "user", "object_id": self.users[name]}
        return []

    def m_photos_getWallUploadServer(self, p: dict[str, str], t: Token, raw: str) -> Any:
        return {"upload_url": f"{self.url}/upload", "album_id": -14, "user_id": 0}

    def m_photos_saveWallPhoto(self, p: dict[str, str], t: Token, raw: str) -> Any:
        gid = int(p["group_id"])
        upload = json.loads(p["photo"])[0]["upload"]
        if upload not in self.uploads or p.get("hash") != f"h{upload}":
            raise VkError(100)
        pid = next(self._photo_ids)
        photo = {"id": pid, "owner_id": -gid, "album_id": -14, "date": self.clock(),
                 "sizes": [{"type": "x", "url": f"{self.url}/photos/{pid}.jpg", "width": 604, "height": 453}]}
        self.photos[(-gid, pid)] = photo
        return [photo]


class RunningFakeVk:
    """A started fake: ``.vk`` is the state, ``.base_url`` the method endpoint for ``VkClient``."""

    def __init__(self) -> None:
        self.vk = FakeVk()
        self._server = LoopbackServer(self.vk.app())
        self.vk.url = self._server.url
        self.base_url = f"{self._server.url}/method/"

    def __enter__(self) -> RunningFakeVk:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()
