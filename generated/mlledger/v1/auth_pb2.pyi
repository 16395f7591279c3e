import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    READ: _ClassVar[Role]
    EDIT: _ClassVar[Role]
    MANAGE: _ClassVar[Role]

class ResourceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESOURCE_KIND_UNSPECIFIED: _ClassVar[ResourceKind]
    EXPERIMENT: _ClassVar[ResourceKind]
    REGISTERED_MODEL: _ClassVar[ResourceKind]
    SYSTEM: _ClassVar[ResourceKind]
ROLE_UNSPECIFIED: Role
READ: Role
EDIT: Role
MANAGE: Role
RESOURCE_KIND_UNSPECIFIED: ResourceKind
EXPERIMENT: ResourceKind
REGISTERED_MODEL: ResourceKind
SYSTEM: ResourceKind

class Token(_message.Message):
    __slots__ = ("id", "name", "principal", "prefix", "created_at", "expires_at", "revoked_at", "created_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    principal: str
    prefix: str
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    revoked_at: _timestamp_pb2.Timestamp
    created_by: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., principal: _Optional[str] = ..., prefix: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ...) -> None: ...

class Permission(_message.Message):
    __slots__ = ("resource_kind", "resource_id", "principal", "role")
    RESOURCE_KIND_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    resource_kind: ResourceKind
    resource_id: str
    principal: str
    role: Role
    def __init__(self, resource_kind: _Optional[_Union[ResourceKind, str]] = ..., resource_id: _Optional[str] = ..., principal: _Optional[str] = ..., role: _Optional[_Union[Role, str]] = ...) -> None: ...

class WhoAmIRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WhoAmIResponse(_message.Message):
    __slots__ = ("principal", "is_admin", "auth_enabled", "method")
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    IS_ADMIN_FIELD_NUMBER: _ClassVar[int]
    AUTH_ENABLED_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    principal: str
    is_admin: bool
    auth_enabled: bool
    method: str
    def __init__(self, principal: _Optional[str] = ..., is_admin: _Optional[bool] = ..., auth_enabled: _Optional[bool] = ..., method: _Optional[str] = ...) -> None: ...

class CreateTokenRequest(_message.Message):
    __slots__ = ("name", "principal", "expires_in_days")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_DAYS_FIELD_NUMBER: _ClassVar[int]
    name: str
    principal: str
    expires_in_days: int
    def __init__(self, name: _Optional[str] = ..., principal: _Optional[str] = ..., expires_in_days: _Optional[int] = ...) -> None: ...

class CreateTokenResponse(_message.Message):
    __slots__ = ("token", "secret")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    token: Token
    secret: str
    def __init__(self, token: _Optional[_Union[Token, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class ListTokensRequest(_message.Message):
    __slots__ = ("principal", "include_revoked")
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REVOKED_FIELD_NUMBER: _ClassVar[int]
    principal: str
    include_revoked: bool
    def __init__(self, principal: _Optional[str] = ..., include_revoked: _Optional[bool] = ...) -> None: ...

class ListTokensResponse(_message.Message):
    __slots__ = ("tokens",)
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: _containers.RepeatedCompositeFieldContainer[Token]
    def __init__(self, tokens: _Optional[_Iterable[_Union[Token, _Mapping]]] = ...) -> None: ...

class RevokeTokenRequest(_message.Message):
    __slots__ = ("token_id",)
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    token_id: str
    def __init__(self, token_id: _Optional[str] = ...) -> None: ...

class RevokeTokenResponse(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: Token
    def __init__(self, token: _Optional[_Union[Token, _Mapping]] = ...) -> None: ...

class GrantPermissionRequest(_message.Message):
    __slots__ = ("permission",)
    PERMISSION_FIELD_NUMBER: _ClassVar[int]
    permission: Permission
    def __init__(self, permission: _Optional[_Union[Permission, _Mapping]] = ...) -> None: ...

class GrantPermissionResponse(_message.Message):
    __slots__ = ("permission",)
    PERMISSION_FIELD_NUMBER: _ClassVar[int]
    permission: Permission
    def __init__(self, permission: _Optional[_Union[Permission, _Mapping]] = ...) -> None: ...

class RevokePermissionRequest(_message.Message):
    __slots__ = ("resource_kind", "resource_id", "principal")
    RESOURCE_KIND_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    resource_kind: ResourceKind
    resource_id: str
    principal: str
    def __init__(self, resource_kind: _Optional[_Union[ResourceKind, str]] = ..., resource_id: _Optional[str] = ..., principal: _Optional[str] = ...) -> None: ...

class RevokePermissionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPermissionsRequest(_message.Message):
    __slots__ = ("resource_kind", "resource_id", "principal")
    RESOURCE_KIND_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    resource_kind: ResourceKind
    resource_id: str
    principal: str
    def __init__(self, resource_kind: _Optional[_Union[ResourceKind, str]] = ..., resource_id: _Optional[str] = ..., principal: _Optional[str] = ...) -> None: ...

class ListPermissionsResponse(_message.Message):
    __slots__ = ("permissions", "default_role")
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_ROLE_FIELD_NUMBER: _ClassVar[int]
    permissions: _containers.RepeatedCompositeFieldContainer[Permission]
    default_role: Role
    def __init__(self, permissions: _Optional[_Iterable[_Union[Permission, _Mapping]]] = ..., default_role: _Optional[_Union[Role, str]] = ...) -> None: ...

class TokenCreated(_message.Message):
    __slots__ = ("token_id", "name", "principal", "prefix", "expires_at")
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    token_id: str
    name: str
    principal: str
    prefix: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, token_id: _Optional[str] = ..., name: _Optional[str] = ..., principal: _Optional[str] = ..., prefix: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TokenRevoked(_message.Message):
    __slots__ = ("token_id", "principal")
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    token_id: str
    principal: str
    def __init__(self, token_id: _Optional[str] = ..., principal: _Optional[str] = ...) -> None: ...

class PermissionGranted(_message.Message):
    __slots__ = ("permission", "on_creation")
    PERMISSION_FIELD_NUMBER: _ClassVar[int]
    ON_CREATION_FIELD_NUMBER: _ClassVar[int]
    permission: Permission
    on_creation: bool
    def __init__(self, permission: _Optional[_Union[Permission, _Mapping]] = ..., on_creation: _Optional[bool] = ...) -> None: ...

class PermissionRevoked(_message.Message):
    __slots__ = ("resource_kind", "resource_id", "principal")
    RESOURCE_KIND_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    resource_kind: ResourceKind
    resource_id: str
    principal: str
    def __init__(self, resource_kind: _Optional[_Union[ResourceKind, str]] = ..., resource_id: _Optional[str] = ..., principal: _Optional[str] = ...) -> None: ...

class AccessDenied(_message.Message):
    __slots__ = ("principal", "method", "needed", "held", "resource_kind", "resource_id", "reason")
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    NEEDED_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_KIND_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    principal: str
    method: str
    needed: Role
    held: Role
    resource_kind: ResourceKind
    resource_id: str
    reason: str
    def __init__(self, principal: _Optional[str] = ..., method: _Optional[str] = ..., needed: _Optional[_Union[Role, str]] = ..., held: _Optional[_Union[Role, str]] = ..., resource_kind: _Optional[_Union[ResourceKind, str]] = ..., resource_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...
