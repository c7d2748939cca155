"""The LLM answerer: LangChain's "stuff" chain with each retrieved chunk numbered, so that the
LLM can cite `[1]`, `[2]`… and each number is the rank of that chunk among the answer's sources."""

from __future__ import annotations

from typing import Any

from langchain_classic.chains.combine_documents.stuff import StuffDocumentsChain
from langchain_core.documents import Document
from langchain_core.language_models import BaseLanguageModel
from langchain_core.prompts import PromptTemplate

from rag_app.ingestion.headers import without_header


class CitingStuffChain(StuffDocumentsChain):
    """StuffDocumentsChain whose documents are formatted with their number (1 for the first
    retrieved) and their source, in the order RetrievalQA returns them as sources."""

    source_template: str = "[{number}] {source}\n{page_content}"

    @classmethod
    def from_llm(cls, llm: BaseLanguageModel, prompt: str, source_template: str) -> CitingStuffChain:
        """The chain answering with `llm` from `prompt` (with `{context}` and `{question}`).

        Args:
            llm: the model.
            prompt: the prompt template.
            source_template: how one chunk is shown (`{number}`, `{source}`, `{page_content}`).

        Returns:
            The chain.
        """
        from langchain_classic.chains.llm import LLMChain

        chain = LLMChain(llm=llm, prompt=PromptTemplate.from_template(prompt))
        return cls(llm_chain=chain, document_variable_name="context", source_template=source_template)

    def _get_inputs(self, docs: list[Document], **kwargs: Any) -> dict:
        inputs = {k: v for k, v in kwargs.items() if k in self.llm_chain.prompt.input_variables}
        inputs[self.document_variable_name] = self.document_separator.join(
            self.source_template.format(
                number=number,
                source=doc.metadata.get("source", "?"),
                page_content=without_header(doc.page_content, doc.metadata),
            )
            for number, doc in enumerate(docs, start=1)
        )
        return inputs
