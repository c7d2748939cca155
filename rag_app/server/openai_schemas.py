"""The parts of the OpenAI API's bodies that rag_app speaks: chat completions, embeddings, models.

Requests accept (and ignore) the fields rag_app has no use for, such as `temperature`, so any
OpenAI client or chat front end can send what it usually sends.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from rag_app.server.schemas import TEXT, K, Source

MODEL = "rag_app"


class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[TextPart] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = Field(MODEL, examples=[MODEL])
    messages: list[Message] = Field(
        min_length=1, examples=[[{"role": "user", "content": "When was Michael Jordan born?"}]]
    )
    stream: bool = Field(False, strict=True)
    k: int | None = K


class ReplyMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int
    message: ReplyMessage
    finish_reason: Literal["stop"]


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    sources: list[Source] = Field(description="rag_app's extra: the retrieved chunks (OpenAI clients ignore it)")


class EmbeddingsRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    input: (
        Annotated[str, Field(pattern=TEXT)] | Annotated[list[Annotated[str, Field(pattern=TEXT)]], Field(min_length=1)]
    ) = Field(examples=["a text to embed"], description="a text, or a list of texts, none of them empty")
    model: str = Field(MODEL, examples=[MODEL])
    encoding_format: Literal["float", "base64"] = "float"


class Embedding(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str = Field(description="floats, or base64 of little-endian float32 values")


class Usage(BaseModel):
    prompt_tokens: int = Field(description="not counted by rag_app: always 0")
    total_tokens: int


class EmbeddingList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Embedding]
    model: str
    usage: Usage


class Model(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Model]
