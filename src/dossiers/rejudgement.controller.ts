import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/auth/decorators';
import { RejudgementReport, RejudgementService } from 'src/dossiers/rejudgement.service';

export class RejudgementUnitDto {
  @ApiProperty() unitCode!: string;
  @ApiProperty() unitName!: string;
  @ApiProperty({ description: 'dossiers of the unit whose statutory due instant changed' }) dueChanged!: number;
  @ApiProperty({ description: 'dossiers of the unit whose outcome changed' }) outcomeChanged!: number;
}

export class RejudgementDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'nd118-2025' }) policyVersion!: string;
  @ApiProperty({ description: 'dossiers received from this instant on were re-judged' }) receivedFrom!: string;
  @ApiProperty({ enum: ['pending', 'running', 'done'] }) status!: string;
  @ApiProperty({ nullable: true, type: String, description: 'when the run finished' }) ranAt!: string | null;
  @ApiProperty({ description: 'dossiers re-folded' }) dossiers!: number;
  @ApiProperty() dueChanged!: number;
  @ApiProperty() outcomeChanged!: number;
  @ApiProperty({ description: 'dossiers whose history the policy refuses: kept as judged' }) skipped!: number;
  @ApiProperty({ type: [RejudgementUnitDto], description: 'by handling unit' }) byUnit!: RejudgementUnitDto[];
}

@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class RejudgementController {
  constructor(private readonly rejudgements: RejudgementService) {}

  @Get('rejudgement')
  @Roles('admin', 'reform_board')
  @ApiOkResponse({ type: RejudgementDto, description: 'the audited re-judgement under the policy version in force' })
  latest(): Promise<RejudgementReport> {
    return this.rejudgements.latest();
  }
}
