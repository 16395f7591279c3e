"""Read-side SQL over the artifact read model."""

from __future__ import annotations

from psycopg import AsyncConnection

from mlledger.v1 import artifacts_pb2

_UNDER = "location = %s AND (%s = '' OR path = %s OR left(path, length(%s) + 1) = %s || '/')"


def _file(row: tuple[str, int, str]) -> artifacts_pb2.ArtifactFile:
    return artifacts_pb2.ArtifactFile(path=row[0], size=row[1], sha256=row[2])


async def file(conn: AsyncConnection, schema: str, location: str, path: str) -> artifacts_pb2.ArtifactFile | None:
    """The stored file at `path`, if any."""
    cursor = await conn.execute(
        f"SELECT path, size, sha256 FROM {schema}.files WHERE location = %s AND path = %s", (location, path))
    row = await cursor.fetchone()
    return _file(row) if row else None


async def files_under(conn: AsyncConnection, schema: str, location: str, path: str, *, after: str = "",
                      limit: int | None = None) -> list[artifacts_pb2.ArtifactFile]:
    """Files at or below `path` ("" for all), by path, after `after`."""
    cursor = await conn.execute(
        f"SELECT path, size, sha256 FROM {schema}.files WHERE {_UNDER} AND path > %s ORDER BY path LIMIT %s",
        (location, path, path, path, path, after, limit),
    )
    return [_file(row) for row in await cursor.fetchall()]


async def snapshot_files(conn: AsyncConnection, schema: str, source: str, path: str, target: str
                         ) -> tuple[list[artifacts_pb2.ArtifactFile], list[artifacts_pb2.ArtifactFile]]:
    """(the files at or below `path` in `source`, every file in `target`), by path, in one round trip."""
    cursor = await conn.execute(
        f"SELECT location, path, size, sha256 FROM {schema}.files "
        f"WHERE ({_UNDER}) OR location = %s ORDER BY path",
        (source, path, path, path, path, target),
    )
    found, existing = [], []
    for location, file_path, size, sha256 in await cursor.fetchall():
        file = artifacts_pb2.ArtifactFile(path=file_path, size=size, sha256=sha256)
        if location == target:
            existing.append(file)
        if location == source and (not path or file_path == path or file_path.startswith(path + "/")):
            found.append(file)
    return found, existing


async def children(conn: AsyncConnection, schema: str, location: str, path: str, *, after: str,
                   limit: int) -> list[artifacts_pb2.ArtifactFile]:
    """The direct children of directory `path`: files with size and digest, directories flagged."""
    prefix = f"{path}/" if path else ""
    cursor = await conn.execute(
        f"""WITH below AS (
                SELECT substr(path, length(%(prefix)s) + 1) AS rest, size, sha256 FROM {schema}.files
                WHERE location = %(location)s AND left(path, length(%(prefix)s)) = %(prefix)s)
            SELECT split_part(rest, '/', 1) COLLATE "C" AS name, bool_or(strpos(rest, '/') > 0) AS is_dir,
                   max(size) FILTER (WHERE strpos(rest, '/') = 0), max(sha256) FILTER (WHERE strpos(rest, '/') = 0)
            FROM below WHERE (%(prefix)s || split_part(rest, '/', 1)) COLLATE "C" > %(after)s
            GROUP BY 1 ORDER BY 1 LIMIT %(limit)s""",
        {"prefix": prefix, "location": location, "after": after, "limit": limit},
    )
    return [
        artifacts_pb2.ArtifactFile(path=prefix + name, is_dir=is_dir, size=0 if is_dir else size or 0,
                                   sha256="" if is_dir else sha256 or "")
        for name, is_dir, size, sha256 in await cursor.fetchall()
    ]


async def conflicting_parent(conn: AsyncConnection, schema: str, location: str, path: str) -> str | None:
    """A stored file that is a parent directory of `path`, or `path` itself used as a directory."""
    parts = path.split("/")
    parents = ["/".join(parts[:i]) for i in range(1, len(parts))]
    cursor = await conn.execute(
        f"""SELECT path FROM {schema}.files WHERE location = %s AND (path = ANY(%s) OR left(path, length(%s) + 1) = %s || '/')
            LIMIT 1""",
        (location, parents, path, path),
    )
    row = await cursor.fetchone()
    return row[0] if row else None
