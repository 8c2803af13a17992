"""The fake VK's discussion boards and users: topics, their comments, administrators' user tokens.

The shapes follow VKCOM/vk-api-schema (``board/methods.json``, ``board/responses.json``): ``board.createComment``
answers the new comment's id and is refused to community tokens (error 27, as the schema's
``access_token_type: ["user"]`` says); ``from_group=1`` needs the user to be an editor or an administrator of
the community (else 15); a repeated call with the same token, topic and ``guid`` answers the first comment's id;
a closed topic refuses comments (15). ``board.getComments`` (user or service token; a community token gets
27) pages by ``offset``/``count`` or from ``start_comment_id``, ``sort`` asc/desc, ``extended=1`` adds
``profiles`` and ``groups``. ``users.get`` and ``account.getAppPermissions`` answer for a user token;
``groups.getById`` with ``fields=is_admin,admin_level`` tells the user's role.
"""

from __future__ import annotations

from typing import Any


class VkError(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


class BoardMixin:
    """Mixed into ``FakeVk``: uses its ``lock``, ``tokens``, ``groups``, ``photos``, ``_ids`` and ``clock``."""

    lock: Any
    tokens: dict[str, Any]
    groups: dict[int, dict[str, Any]]
    photos: dict[tuple[int, int], dict[str, Any]]
    _ids: Any
    clock: Any

    def _board_init(self) -> None:
        self.topics: dict[tuple[int, int], dict[str, Any]] = {}
        self.board: dict[tuple[int, int], list[dict[str, Any]]] = {}  # (gid, tid) -> comments in order
        self.board_guids: dict[tuple[str, int, int, str], int] = {}
        self.profiles: dict[int, dict[str, Any]] = {}
        self.managers: dict[tuple[int, int], int] = {}  # (gid, user id) -> admin_level
        self.boards_off: set[int] = set()  # communities whose boards the caller may not read (15)

    # ------------------------------------------------------------------ set-up (tests)

    def add_user(self, user_id: int, first_name: str, last_name: str = "", token: str | None = None,
                 scopes: list[str] | None = None) -> None:
        from tests.fakes.vk import Token

        with self.lock:
            self.profiles[user_id] = {"id": user_id, "first_name": first_name, "last_name": last_name}
            if token:
                self.tokens[token] = Token("user", None, scopes or ["groups", "offline", "photos", "wall"],
                                           user_id=user_id)

    def make_manager(self, group_id: int, user_id: int, level: int = 3) -> None:
        with self.lock:
            self.managers[(group_id, user_id)] = level

    def add_topic(self, group_id: int, title: str, from_id: int, text: str) -> int:
        """A topic and its opening comment (VK's topic always starts with one)."""
        with self.lock:
            tid = next(self._ids[("topic", group_id)])
            self.topics[(group_id, tid)] = {"id": tid, "title": title, "created": self.clock(), "is_closed": 0}
            self.board[(group_id, tid)] = []
            self._board_store(group_id, tid, from_id, text, [])
            return tid

    def add_board_comment(self, group_id: int, topic_id: int, from_id: int, text: str) -> int:
        with self.lock:
            return self._board_store(group_id, topic_id, from_id, text, [])

    def close_topic(self, group_id: int, topic_id: int) -> None:
        with self.lock:
            self.topics[(group_id, topic_id)]["is_closed"] = 1

    def board_comments(self, group_id: int, topic_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(c) for c in self.board.get((group_id, topic_id), []) if not c.get("deleted")]

    def _board_store(self, gid: int, tid: int, from_id: int, text: str, attachments: list[dict[str, Any]]) -> int:
        cid = next(self._ids[("board", gid)])
        self.board[(gid, tid)].append({"id": cid, "from_id": from_id, "date": self.clock(), "text": text,
                                       "attachments": attachments, "likes": {"count": 0}})
        return cid

    def photo_attachments(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """``attachments=photo{owner}_{id},…`` of a new comment: photos this fake has saved, else error 100."""
        out = []
        for a in filter(None, (p.get("attachments") or "").split(",")):
            owner_s, pid_s = a.removeprefix("photo").split("_")
            photo = self.photos.get((int(owner_s), int(pid_s)))
            if photo is None:
                raise VkError(100)
            out.append({"type": "photo", "photo": photo})
        return out

    # ------------------------------------------------------------------ methods

    def m_board_getTopics(self, p: dict[str, str], t: Any, raw: str) -> Any:
        if t.kind == "community":
            raise VkError(27)
        gid = int(p["group_id"])
        if gid in self.boards_off:
            raise VkError(15)
        mine = [(tid, topic) for (g, tid), topic in self.topics.items() if g == gid]

        def updated(item: tuple[int, dict[str, Any]]) -> int:
            live = [c for c in self.board[(gid, item[0])] if not c.get("deleted")]
            return max([item[1]["created"], *(c["date"] for c in live)]) * 10**6 + max([0, *(c["id"] for c in live)])

        if p.get("order") == "1":
            mine.sort(key=updated, reverse=True)
        off, cnt = int(p.get("offset", 0)), min(int(p.get("count", 40)), 100)
        items = [{"id": tid, "title": topic["title"], "created": topic["created"], "is_closed": topic["is_closed"],
                  "is_fixed": 0, "comments": len([c for c in self.board[(gid, tid)] if not c.get("deleted")])}
                 for tid, topic in mine[off:off + cnt]]
        return {"count": len(mine), "items": items}

    def m_board_getComments(self, p: dict[str, str], t: Any, raw: str) -> Any:
        if t.kind == "community":
            raise VkError(27)
        gid, tid = int(p["group_id"]), int(p["topic_id"])
        if (gid, tid) not in self.topics:
            raise VkError(100)
        chosen = [c for c in self.board[(gid, tid)] if not c.get("deleted")]
        if p.get("sort", "asc") == "desc":
            chosen.reverse()
        cnt = min(int(p.get("count", 20)), 100)
        if p.get("start_comment_id"):
            start = int(p["start_comment_id"])
            at = next((i for i, c in enumerate(chosen) if c["id"] >= start), len(chosen)) \
                if p.get("sort", "asc") != "desc" else next((i for i, c in enumerate(chosen) if c["id"] <= start),
                                                             len(chosen))
            page = chosen[at:at + cnt]
        else:
            off = int(p.get("offset", 0))
            page = chosen[off:off + cnt]
        out: dict[str, Any] = {"count": len(chosen), "items": [dict(c) for c in page]}
        if p.get("extended") == "1":
            ids = {c["from_id"] for c in page}
            out["profiles"] = [dict(self.profiles[i]) for i in sorted(ids) if i in self.profiles]
            out["groups"] = [dict(self.groups[-i]) for i in sorted(ids) if i < 0 and -i in self.groups]
        return out

    def m_board_createComment(self, p: dict[str, str], t: Any, raw: str) -> Any:
        if t.kind != "user":
            raise VkError(27)
        gid, tid = int(p["group_id"]), int(p["topic_id"])
        topic = self.topics.get((gid, tid))
        if topic is None:
            raise VkError(100)
        guid = p.get("guid")
        if guid and (raw, gid, tid, guid) in self.board_guids:
            return self.board_guids[(raw, gid, tid, guid)]
        if topic["is_closed"]:
            raise VkError(15)
        from_id = t.user_id
        if p.get("from_group") == "1":
            if self.managers.get((gid, t.user_id), 0) < 2:
                raise VkError(15)
            from_id = -gid
        if not p.get("message") and not p.get("attachments"):
            raise VkError(100)
        cid = self._board_store(gid, tid, from_id, p.get("message", ""), self.photo_attachments(p))
        if guid:
            self.board_guids[(raw, gid, tid, guid)] = cid
        return cid

    def m_board_deleteComment(self, p: dict[str, str], t: Any, raw: str) -> Any:
        gid, tid, cid = int(p["group_id"]), int(p["topic_id"]), int(p["comment_id"])
        c = next((c for c in self.board.get((gid, tid), []) if c["id"] == cid), None)
        if c is None:
            raise VkError(100)
        c["deleted"] = True
        return 1

    def m_users_get(self, p: dict[str, str], t: Any, raw: str) -> Any:
        if t.kind != "user":
            raise VkError(27)
        return [dict(self.profiles[t.user_id])]

    def m_account_getAppPermissions(self, p: dict[str, str], t: Any, raw: str) -> Any:
        if t.kind != "user":
            raise VkError(27)
        bits = {"photos": 4, "wall": 8192, "offline": 65536, "groups": 262144}
        return sum(bits.get(s, 0) for s in t.scopes)

    def admin_fields(self, group: dict[str, Any], t: Any) -> dict[str, Any]:
        level = self.managers.get((group["id"], t.user_id), 0) if t.kind == "user" else 0
        return {"is_admin": int(level > 0), **({"admin_level": level} if level else {})}
